import type { ModelRef } from '../powerbi/refreshApi';
import { toPollMessage } from './pollMessage';
import { recordOutcome } from './recordOutcome';
import type { RefreshDeps } from './refreshDeps';
import type { StoredRefresh } from './refreshHistory';
import type { RefreshRecord } from './refreshRecord';

/** How enhanced refreshes appear in the service's history (the docs say ViaEnhancedApi; ReliableProcessing is seen too). */
const enhancedRefreshTypes = new Set(['viaenhancedapi', 'reliableprocessing']);
/** A standard refresh (shared capacity) the relay requested shows as ViaApi. */
const standardRefreshTypes = new Set(['viaapi']);
/** Clock skew allowed between the relay's request time and the service's start time. */
const skewSeconds = 60;
/** Beyond the start budget, how long a start may still be at work (a slow last request) before it counts as stopped. */
const stoppedAfterSeconds = 300;

export type InterruptedStart =
    | { kind: 'resumed' }
    /** Recorded Failed; the record is what the alert and the log show. */
    | { kind: 'closed'; record: RefreshRecord }
    | { kind: 'waiting' };

/** True when a `Starting` record has outlived any start still at work. */
export function isInterruptedStart(requestedAt: string, now: Date, deps: Pick<RefreshDeps, 'startBudgetSeconds'>) {
    return now.getTime() - Date.parse(requestedAt) > (deps.startBudgetSeconds + stoppedAfterSeconds) * 1000;
}

/**
 * A start whose process stopped between taking the model's lock and handing the refresh to the poller
 * leaves a `Starting` record (and the lock). If the service's history shows an enhanced refresh (a standard one on shared capacity) that
 * began after the request, the POST went through: the record is resumed as Running and a check queued.
 * Otherwise nothing runs, and the record is closed as Failed with the reason, which frees the lock.
 */
export async function resumeInterruptedStart(stored: StoredRefresh, deps: RefreshDeps): Promise<InterruptedStart> {
    const record = stored.record;
    if (record.datasetId !== undefined) {
        const model: ModelRef = { workspaceId: record.workspaceId, datasetId: record.datasetId };
        const history = await deps.api.getRefreshHistory(model, 10);
        // The service cannot tell now; the next tick asks again rather than closing a refresh that may run.
        if (!history.ok) return { kind: 'waiting' };
        const since = Date.parse(record.requestedAt) - skewSeconds * 1000;
        const shared = deps.targets.find((target) => target.name === record.target)?.sharedCapacity === true;
        const types = shared ? standardRefreshTypes : enhancedRefreshTypes;
        const started = history.value.find(
            (entry) =>
                entry.requestId !== undefined &&
                types.has((entry.refreshType ?? '').toLowerCase()) &&
                entry.startTime !== undefined &&
                Date.parse(entry.startTime) >= since,
        );
        if (started?.requestId !== undefined) {
            const resumed = { ...record, status: 'Running' as const, requestId: started.requestId };
            // Queued first, as in the start: a crash after this leaves a check that completes the record.
            await deps.queue.send(
                toPollMessage(resumed, { datasetId: model.datasetId, requestId: started.requestId }, 0),
                0,
            );
            const written = await deps.history.update(resumed, stored.etag);
            return { kind: written.kind === 'updated' ? 'resumed' : 'waiting' };
        }
    }
    const recorded = await recordOutcome(
        stored,
        (current) => ({
            ...current,
            status: 'Failed',
            endTime: deps.now().toISOString(),
            error: {
                code: 'StartInterrupted',
                message: `pbi-relay stopped while starting this refresh (requested ${record.requestedAt}) and the service's history shows no refresh it began; none runs, the next slot or POST /api/refreshes starts one`,
            },
        }),
        deps,
    );
    return recorded.kind === 'recorded' ? { kind: 'closed', record: recorded.record } : { kind: 'waiting' };
}
