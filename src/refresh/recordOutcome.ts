import type { ModelRef } from '../powerbi/refreshApi';
import { alertIdOf } from './notifyRefresh';
import { isAlerting } from './refreshAlert';
import { queueAlert, type QueuedAlert } from './queueAlert';
import type { RefreshDeps } from './refreshDeps';
import type { StoredRefresh } from './refreshHistory';
import { recordRefreshEnd } from '../telemetry/relayMetrics';
import { isTerminal, type RefreshRecord, type TerminalStatus } from './refreshRecord';

export type RecordOutcome =
    | { kind: 'recorded'; record: RefreshRecord; etag: string; notification?: QueuedAlert }
    /** Someone else (a duplicate poll message, a concurrent poller) recorded the end first. */
    | { kind: 'alreadyRecorded'; record: RefreshRecord };

/**
 * Writes a refresh's terminal outcome exactly once: the update is guarded by the ETag of the version read,
 * and a refresh found already terminal is left alone, so only the winner frees the model's lock and alerts.
 */
export async function recordOutcome(
    stored: StoredRefresh,
    outcome: (current: RefreshRecord) => RefreshRecord & { status: TerminalStatus },
    deps: Pick<RefreshDeps, 'history' | 'locks' | 'notifier' | 'queue' | 'episodes' | 'now'>,
): Promise<RecordOutcome> {
    let current = stored;
    for (let round = 0; round < 5; round += 1) {
        if (isTerminal(current.record.status)) return { kind: 'alreadyRecorded', record: current.record };
        const record: RefreshRecord = { ...outcome(current.record), recordedAt: deps.now().toISOString() };
        const written = await deps.history.update(record, current.etag);
        if (written.kind === 'updated') {
            recordRefreshEnd(record);
            if (record.datasetId !== undefined) {
                const model: ModelRef = { workspaceId: record.workspaceId, datasetId: record.datasetId };
                // A lock left behind is harmless: the next start finds its holder terminal and takes it over.
                await deps.locks.release(model, record.id).catch(() => undefined);
            }
            const notification = isAlerting(record.status)
                ? await queueAlert(
                      { alertId: alertIdOf(record), about: 'outcome', target: record.target, refreshId: record.id },
                      deps,
                  )
                : await notifyRecovery(record, deps);
            return { kind: 'recorded', record, etag: written.etag, notification };
        }
        const fresh = await deps.history.get(current.record.target, current.record.rowKey);
        if (fresh === undefined)
            throw new Error(`Refresh ${current.record.id} disappeared from the history while its outcome was recorded`);
        current = fresh;
    }
    throw new Error(`Refresh ${stored.record.id}: its outcome could not be recorded after repeated concurrent updates`);
}

/**
 * A completed refresh that ends an alerting episode: after a refresh that alerted, after the target went
 * stale (maxAge), or one that had alerted as slow. One "back to normal" alert, once (only the writer of
 * this outcome sends it, and closing the stale episode is ETag-guarded). Blocked entries of a chain are
 * skipped; they are the consequence, not the cause.
 */
async function notifyRecovery(
    record: RefreshRecord,
    deps: Pick<RefreshDeps, 'history' | 'notifier' | 'queue' | 'episodes' | 'now'>,
): Promise<QueuedAlert | undefined> {
    if (record.status !== 'Completed') return undefined;
    const earlier = (await deps.history.latest(record.target, 10)).filter(
        (other) => other.id !== record.id && isTerminal(other.status) && other.status !== 'Blocked',
    );
    const previous = earlier.find((other) => other.requestedAt <= record.requestedAt);
    const recoveredFrom = previous !== undefined && isAlerting(previous.status) ? previous : undefined;
    const staleSince = await deps.episodes.close(record.target, record.endTime ?? deps.now().toISOString(), deps.now());
    const wasSlow = record.slowAlertedAt !== undefined;
    if (recoveredFrom === undefined && staleSince === undefined && !wasSlow) return undefined;
    return queueAlert(
        {
            alertId: alertIdOf(record),
            about: 'recovery',
            target: record.target,
            refreshId: record.id,
            recoveredFromId: recoveredFrom?.id,
            staleSince,
            wasSlow: wasSlow || undefined,
        },
        deps,
    );
}
