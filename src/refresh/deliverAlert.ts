import type { AlertMessage } from './alertMessage';
import type { RefreshDeps } from './refreshDeps';
import { fromRefreshId } from './refreshKey';
import type { RefreshRecord } from './refreshRecord';

export type AlertDelivery =
    | { kind: 'delivered'; alertId: string; attempts: number }
    /** The webhook failed; the alert is queued again for `delaySeconds`. */
    | { kind: 'retrying'; alertId: string; attempts: number; delaySeconds: number; error: string }
    /** Still failing `giveUpSeconds` after it was raised: not tried again. */
    | { kind: 'abandoned'; alertId: string; attempts: number; error: string }
    /** The refresh it is about is gone from the history (retention), or no webhook is set any more. */
    | { kind: 'stale'; alertId: string; reason: string };

/** Back-off between deliveries: 30 s doubling to an hour, so a webhook outage of a day costs ~30 posts per alert. */
const retry = { firstSeconds: 30, maxSeconds: 3600 };
/** An alert a webhook has refused for a week is stale news; it is logged at error level and dropped. */
export const giveUpSeconds = 7 * 24 * 60 * 60;

export function alertRetrySeconds(attempts: number): number {
    return Math.min(retry.maxSeconds, retry.firstSeconds * 2 ** Math.min(attempts - 1, 20));
}

/**
 * One delivery attempt of a queued alert: the payload is built from the history and posted; a failed post
 * queues the alert again with back-off (a new message with the next attempt number), so it is delivered
 * at least once, and exactly-once is up to the receiver, which deduplicates by `alertId`.
 */
export async function deliverAlert(
    message: AlertMessage,
    deps: Pick<RefreshDeps, 'history' | 'notifier' | 'queue' | 'now'>,
): Promise<AlertDelivery> {
    const { alertId } = message;
    // REFRESH_NOTIFY_URL was removed since the alert was raised: nobody to tell.
    if (!deps.notifier.enabled) return { kind: 'stale', alertId, reason: 'REFRESH_NOTIFY_URL is not set' };
    const record = message.refreshId === undefined ? undefined : await readRecord(message.refreshId, deps);
    if (message.refreshId !== undefined && record === undefined)
        return { kind: 'stale', alertId, reason: `refresh ${message.refreshId} is not in the history` };
    const recoveredFrom =
        message.recoveredFromId === undefined ? undefined : await readRecord(message.recoveredFromId, deps);
    if (message.recoveredFromId !== undefined && recoveredFrom === undefined)
        return { kind: 'stale', alertId, reason: `refresh ${message.recoveredFromId} is not in the history` };
    const attempts = message.attempt + 1;
    const sent = await deps.notifier.notify({
        kind: message.about,
        alertId,
        target: message.target,
        record,
        recoveredFrom,
        staleSince: message.staleSince,
        wasSlow: message.wasSlow,
        maxAgeSeconds: message.maxAgeSeconds,
        usualSeconds: message.usualSeconds,
        runningSeconds: message.runningSeconds,
        raisedAt: message.raisedAt,
    });
    if (sent.sent) return { kind: 'delivered', alertId, attempts };
    const error = sent.error ?? 'not sent';
    const now = deps.now();
    if (now.getTime() - Date.parse(message.raisedAt) >= giveUpSeconds * 1000)
        return { kind: 'abandoned', alertId, attempts, error };
    const delaySeconds = alertRetrySeconds(attempts);
    const next: AlertMessage = { ...message, attempt: attempts };
    delete next.notBefore;
    await deps.queue.send(next, delaySeconds);
    return { kind: 'retrying', alertId, attempts, delaySeconds, error };
}

async function readRecord(id: string, deps: Pick<RefreshDeps, 'history'>): Promise<RefreshRecord | undefined> {
    const key = fromRefreshId(id);
    return key === undefined ? undefined : (await deps.history.get(key.target, key.rowKey))?.record;
}
