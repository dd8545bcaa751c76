import { z } from 'zod';
import { pollMessageSchema } from './pollMessage';
import type { RefreshRecord } from './refreshRecord';

/**
 * A request to restart a refresh the service dropped (REFRESH_QUEUE, next to the status checks): the
 * poller records the drop and queues this, and the queue function starts the replacement, so a failing
 * start is retried by the queue and the poller never calls into the starter.
 */
export const restartMessageSchema = z.strictObject({
    version: z.literal(1),
    kind: z.literal('restart'),
    /** The dropped refresh, named as a status check names it. */
    ...pollMessageSchema.pick({ id: true, target: true, rowKey: true }).shape,
});

export type RestartMessage = z.infer<typeof restartMessageSchema>;

export function toRestartMessage(record: Pick<RefreshRecord, 'id' | 'target' | 'rowKey'>): RestartMessage {
    return { version: 1, kind: 'restart', id: record.id, target: record.target, rowKey: record.rowKey };
}
