import type { RefreshDeps } from './refreshDeps';
import { reviveStalledRefreshes } from './reviveStalledRefreshes';
import { startRefresh, type StartOutcome } from './startRefresh';

export interface ScheduledRun {
    outcomes: ({ target: string } & (StartOutcome | { kind: 'error'; message: string }))[];
    /** Running refreshes whose checks had stopped and were queued again. */
    revived: string[];
    /** Refreshes deleted from the history because they are older than REFRESH_RETENTION_DAYS. */
    purged: number;
    /** Reviving or trimming failed; the starts went ahead and the next run tries again. */
    housekeepingErrors: string[];
}

/**
 * One timer run: queues a check for running refreshes that lost theirs, starts every target marked
 * `scheduled` (each on its own, so one failing target does not hold up the others), then trims the
 * history to the retention period.
 */
export async function startScheduledRefreshes(deps: RefreshDeps): Promise<ScheduledRun> {
    const housekeepingErrors: string[] = [];
    const revived = await reviveStalledRefreshes(deps).catch((error: unknown) => {
        housekeepingErrors.push(`revive: ${(error as Error).message}`);
        return [];
    });
    const targets = deps.targets.filter((target) => target.scheduled);
    const outcomes = await Promise.all(
        targets.map(async (target) => {
            try {
                return {
                    target: target.name,
                    ...(await startRefresh({ target: target.name, requestedBy: 'timer' }, deps)),
                };
            } catch (error) {
                return { target: target.name, kind: 'error' as const, message: (error as Error).message };
            }
        }),
    );
    const cutoff = new Date(deps.now().getTime() - deps.retentionDays * 24 * 60 * 60 * 1000);
    let purged = 0;
    try {
        for (const target of deps.targets) purged += await deps.history.purge(target.name, cutoff);
    } catch (error) {
        housekeepingErrors.push(`trim history: ${(error as Error).message}`);
    }
    return { outcomes, revived, purged, housekeepingErrors };
}
