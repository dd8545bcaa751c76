import type { AlertMessage } from './alertMessage';
import type { RefreshDeps } from './refreshDeps';

/** An alert handed to the queue (`error`: the queue refused it; the outcome stays recorded). */
export interface QueuedAlert {
    alertId: string;
    error?: string;
}

export type RaisedAlert = Omit<AlertMessage, 'version' | 'kind' | 'attempt' | 'raisedAt' | 'notBefore'>;

/**
 * Raises an alert: one queue message, delivered by deliverAlert. Nothing is queued when no webhook is
 * configured. Never throws: a queue outage must not undo a recorded outcome; the caller logs the error.
 */
export async function queueAlert(
    alert: RaisedAlert,
    deps: Pick<RefreshDeps, 'notifier' | 'queue' | 'now'>,
): Promise<QueuedAlert | undefined> {
    if (!deps.notifier.enabled) return undefined;
    const now = deps.now().toISOString();
    const message: AlertMessage = { version: 1, kind: 'alert', ...alert, attempt: 0, raisedAt: now };
    for (const key of Object.keys(message) as (keyof AlertMessage)[])
        if (message[key] === undefined) delete message[key];
    try {
        await deps.queue.send(message, 0);
        return { alertId: message.alertId };
    } catch (error) {
        return { alertId: message.alertId, error: `alert not queued: ${(error as Error).message}` };
    }
}
