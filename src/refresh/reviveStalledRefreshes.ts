import { toPollMessage } from './pollMessage';
import type { RefreshDeps } from './refreshDeps';
import type { RefreshRecord } from './refreshRecord';
import { isInterruptedStart, resumeInterruptedStart } from './resumeInterruptedStart';

/** A refresh whose last check is older than this many maximum poll intervals has lost its check chain. */
const stalledAfterIntervals = 3;

export interface Revived {
    /** Running refreshes whose check was queued again. */
    checks: string[];
    /** Interrupted starts found running in the service and followed again. */
    resumed: string[];
    /** Interrupted starts closed as Failed (StartInterrupted). */
    closed: RefreshRecord[];
}

/**
 * Queues a check for every running refresh nobody has checked for a while: its check message was lost
 * (moved to the poison queue after repeated failures, or deleted by hand). A chain that is in fact alive
 * is not disturbed: both messages carry the same poll number and the second one is dropped as stale.
 * Starts that never got past `Starting` (their process stopped) are resumed or closed.
 */
export async function reviveStalledRefreshes(deps: RefreshDeps): Promise<Revived> {
    const now = deps.now();
    const stalledBefore = now.getTime() - stalledAfterIntervals * deps.poll.maxSeconds * 1000 - 60_000;
    const revived: Revived = { checks: [], resumed: [], closed: [] };
    for (const target of deps.targets) {
        for (const record of await deps.history.latest(target.name, 20)) {
            if (record.status === 'Starting' && isInterruptedStart(record.requestedAt, now, deps)) {
                const stored = await deps.history.get(record.target, record.rowKey);
                if (stored?.record.status !== 'Starting') continue;
                const outcome = await resumeInterruptedStart(stored, deps);
                if (outcome.kind === 'resumed') revived.resumed.push(record.id);
                if (outcome.kind === 'closed') revived.closed.push(outcome.record);
                continue;
            }
            if (record.status !== 'Running' || record.requestId === undefined || record.datasetId === undefined)
                continue;
            if (Date.parse(record.lastPolledAt ?? record.requestedAt) > stalledBefore) continue;
            const message = toPollMessage(
                record,
                { datasetId: record.datasetId, requestId: record.requestId },
                record.polls,
            );
            await deps.queue.send(message, 0);
            revived.checks.push(record.id);
        }
    }
    return revived;
}
