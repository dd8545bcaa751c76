import type { QueueServiceClient } from '@azure/storage-queue';
import { toQueueText, toVisibilityTimeout } from '../queue/rowsMessage';
import { ensureOnce } from '../storage/ensureOnce';
import type { RefreshQueueMessage } from './refreshQueueMessage';

export interface RefreshQueue {
    readonly name: string;
    /** Sends a status check, an alert or a restart that becomes visible `delaySeconds` from now. */
    send(message: RefreshQueueMessage, delaySeconds: number): Promise<void>;
}

/** The poller's queue (status checks, alert deliveries, restarts of dropped refreshes): the visibility timeout delays each until it is due. */
export function createRefreshQueue(queueService: QueueServiceClient, queueName: string): RefreshQueue {
    const queue = queueService.getQueueClient(queueName);
    const ensureQueue = ensureOnce(() => queue.createIfNotExists());
    return {
        name: queueName,
        async send(message, delaySeconds) {
            await ensureQueue();
            const visibilityTimeout = toVisibilityTimeout(Math.round(delaySeconds));
            // toQueueText base64-encodes, as host.json's messageEncoding requires of every producer.
            await queue.sendMessage(toQueueText(message), { visibilityTimeout, messageTimeToLive: -1 });
        },
    };
}
