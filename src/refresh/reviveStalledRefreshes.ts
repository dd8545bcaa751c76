import { toPollMessage } from './pollMessage';
import type { RefreshDeps } from './refreshDeps';

/** A refresh whose last check is older than this many maximum poll intervals has lost its check chain. */
const stalledAfterIntervals = 3;

/**
 * Queues a check for every running refresh nobody has checked for a while: its check message was lost
 * (moved to the poison queue after repeated failures, or deleted by hand). A chain that is in fact alive
 * is not disturbed: both messages carry the same poll number and the second one is dropped as stale.
 */
export async function reviveStalledRefreshes(deps: RefreshDeps): Promise<string[]> {
    const now = deps.now();
    const stalledBefore = now.getTime() - stalledAfterIntervals * deps.poll.maxSeconds * 1000 - 60_000;
    const revived: string[] = [];
    for (const target of deps.targets) {
        for (const record of await deps.history.latest(target.name, 20)) {
            if (record.status !== 'Running' || record.requestId === undefined || record.datasetId === undefined)
                continue;
            if (Date.parse(record.lastPolledAt ?? record.requestedAt) > stalledBefore) continue;
            const message = toPollMessage(
                record,
                { datasetId: record.datasetId, requestId: record.requestId },
                record.polls,
                now,
            );
            await deps.queue.send(message, 0);
            revived.push(record.id);
        }
    }
    return revived;
}
