import type { ServiceRefresh } from './attachRunningRefresh';
import { pollDelaySeconds } from './pollDelay';
import { toPollMessage } from './pollMessage';
import type { RefreshDeps } from './refreshDeps';
import type { StoredRefresh } from './refreshHistory';
import type { RefreshRecord } from './refreshRecord';
import { secondsRunning, secondsToExpectedEnd } from './usualDuration';

/**
 * Hands a refresh the service runs to the poller: queues its first status check and records it Running.
 * Returns the record as the history holds it.
 */
export async function beginPolling(
    stored: StoredRefresh,
    refresh: ServiceRefresh,
    deps: Pick<RefreshDeps, 'now' | 'poll' | 'queue' | 'history'>,
): Promise<RefreshRecord> {
    const now = deps.now();
    const record: RefreshRecord = {
        ...stored.record,
        status: 'Running',
        requestId: refresh.requestId,
        trigger: refresh.trigger,
        refreshType: refresh.entry?.refreshType,
        startTime: refresh.entry?.startTime,
        extendedStatus: refresh.entry?.extendedStatus,
    };
    const delay = pollDelaySeconds(
        0,
        deps.poll,
        (Date.parse(record.deadline) - now.getTime()) / 1000,
        secondsToExpectedEnd(record, now),
        secondsRunning(record, now),
    );
    const message = toPollMessage(record, { datasetId: record.datasetId ?? '', requestId: refresh.requestId }, 0);
    // The poll message goes first: if the process dies before the record says Running, the message still
    // carries the request id and the poller completes the record.
    await deps.queue.send(message, delay);
    const written = await deps.history.update(record, stored.etag);
    if (written.kind === 'updated') return record;
    // The first check ran already (a short delay near the deadline) and holds the newer truth.
    return (await deps.history.get(record.target, record.rowKey))?.record ?? record;
}
