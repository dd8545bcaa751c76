import type { RefreshDeps } from './refreshDeps';
import { startRefresh, type StartOutcome } from './startRefresh';

export interface ScheduledRun {
    outcomes: ({ target: string } & (StartOutcome | { kind: 'error'; message: string }))[];
    /** Refreshes deleted from the history because they are older than REFRESH_RETENTION_DAYS. */
    purged: number;
    purgeError?: string;
}

/**
 * One timer run: starts every target marked `scheduled`, each on its own so that one failing target does
 * not hold up the others, then trims the history to the retention period.
 */
export async function startScheduledRefreshes(deps: RefreshDeps): Promise<ScheduledRun> {
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
    let purgeError: string | undefined;
    try {
        for (const target of deps.targets) purged += await deps.history.purge(target.name, cutoff);
    } catch (error) {
        // The refreshes have started; trimming the history can wait for the next run.
        purgeError = (error as Error).message;
    }
    return { outcomes, purged, purgeError };
}
