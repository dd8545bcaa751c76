import type { RefreshDeps } from './refreshDeps';
import { reviveStalledRefreshes, type Revived } from './reviveStalledRefreshes';

export interface RefreshHousekeeping {
    /** Running refreshes whose checks had stopped and were queued again, and interrupted starts resumed or closed. */
    revived: Revived;
    /** Refreshes deleted from the history because they are older than REFRESH_RETENTION_DAYS. */
    purged: number;
    /** What failed; the next tick tries again. */
    errors: string[];
}

/** Trimming the history is hourly work; the tick of minute 0 does it. */
const trimMinute = 0;

/**
 * The timer's housekeeping, before it starts anything: revives refreshes that lost their check chain and
 * starts that were interrupted (which frees their locks), and once an hour purges the history and the slot
 * claims older than REFRESH_RETENTION_DAYS. A failure is reported, never thrown, so the starts go ahead.
 */
export async function runRefreshHousekeeping(deps: RefreshDeps): Promise<RefreshHousekeeping> {
    const now = deps.now();
    const errors: string[] = [];
    const revived = await reviveStalledRefreshes(deps).catch((error: unknown) => {
        errors.push(`revive: ${(error as Error).message}`);
        return { checks: [], resumed: [], closed: [] };
    });
    let purged = 0;
    if (now.getUTCMinutes() === trimMinute) {
        const cutoff = new Date(now.getTime() - deps.retentionDays * 24 * 60 * 60 * 1000);
        try {
            for (const target of deps.targets) {
                purged += await deps.history.purge(target.name, cutoff);
                await deps.slots.purge(target.name, cutoff);
            }
        } catch (error) {
            errors.push(`trim history: ${(error as Error).message}`);
        }
    }
    return { revived, purged, errors };
}
