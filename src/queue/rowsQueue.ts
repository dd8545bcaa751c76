import type { QueueServiceClient } from '@azure/storage-queue';
import { ensureOnce } from '../storage/ensureOnce';
import { toQueueText, type RowsMessage } from './rowsMessage';

/** What the relay records with rows it gives up on, so an operator can see why and replay them. */
export interface PoisonReason {
    status?: number;
    code?: string;
    message: string;
    requestId?: string;
    at: string;
}

export interface RowsQueue {
    readonly name: string;
    readonly poisonName: string;
    send(message: RowsMessage, delaySeconds?: number): Promise<void>;
    sendPoison(message: RowsMessage | { raw: unknown }, reason: PoisonReason): Promise<void>;
}

/** Storage queues hide a message for at most 7 days. */
const maxDelaySeconds = 7 * 24 * 60 * 60;

/** The rows queue and its `<queue>-poison` twin, the name the Functions host uses for its own poison messages. */
export function createRowsQueue(queueService: QueueServiceClient, queueName: string): RowsQueue {
    const queue = queueService.getQueueClient(queueName);
    const poisonName = `${queueName}-poison`;
    const poison = queueService.getQueueClient(poisonName);
    const ensureQueue = ensureOnce(() => queue.createIfNotExists());
    const ensurePoison = ensureOnce(() => poison.createIfNotExists());
    return {
        name: queueName,
        poisonName,
        async send(message, delaySeconds = 0) {
            await ensureQueue();
            await queue.sendMessage(toQueueText(message), {
                visibilityTimeout: Math.min(maxDelaySeconds, Math.max(0, Math.ceil(delaySeconds))),
                messageTimeToLive: -1,
            });
        },
        async sendPoison(message, reason) {
            await ensurePoison();
            await poison.sendMessage(toQueueText({ ...message, failure: reason }), { messageTimeToLive: -1 });
        },
    };
}
