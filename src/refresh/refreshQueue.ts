import type { QueueServiceClient } from '@azure/storage-queue';
import { toQueueText, toVisibilityTimeout } from '../queue/rowsMessage';
import { ensureOnce } from '../storage/ensureOnce';
import type { RefreshQueueMessage } from './refreshQueueMessage';

export interface RefreshQueue {
    readonly name: string;
    /** Sends a status check or an alert that becomes visible when it is due (`message.notBefore`, at least `delaySeconds`). */
    send(message: RefreshQueueMessage, delaySeconds: number): Promise<void>;
}

/**
 * The poller's queue (status checks and alert deliveries). `timeScale` converts the relay clock's seconds into real visibility-timeout seconds:
 * 1 in Azure; tests and demos that run the Power BI emulator's clock faster than real time pass its scale.
 */
export function createRefreshQueue(queueService: QueueServiceClient, queueName: string, timeScale = 1): RefreshQueue {
    const queue = queueService.getQueueClient(queueName);
    const ensureQueue = ensureOnce(() => queue.createIfNotExists());
    return {
        name: queueName,
        async send(message, delaySeconds) {
            await ensureQueue();
            const visibilityTimeout = toVisibilityTimeout(Math.round(delaySeconds / timeScale));
            // toQueueText base64-encodes, as host.json's messageEncoding requires of every producer.
            await queue.sendMessage(toQueueText(message), { visibilityTimeout, messageTimeToLive: -1 });
        },
    };
}
