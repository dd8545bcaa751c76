import type { QueueServiceClient } from '@azure/storage-queue';
import { ensureOnce } from '../storage/ensureOnce';
import {
    fromQueueText,
    toQueueText,
    toVisibilityTimeout,
    type RowsMessage,
    type RowsQueueMessage,
} from './rowsMessage';

/** What the relay records with rows it gives up on, so an operator can see why and replay them. */
export interface PoisonReason {
    status?: number;
    code?: string;
    message: string;
    requestId?: string;
    at: string;
}

/** A message taken from the queue by the relay itself (not by the Functions host), until it is completed or released. */
export interface ReceivedMessage {
    /** The decoded JSON body, or the raw text when it is not JSON. */
    body: unknown;
    /** How often the message has been received, this time included. */
    dequeueCount: number;
    /** Deletes the message: its rows are pushed. */
    complete(): Promise<void>;
    /** Makes the message visible again after `delaySeconds`. */
    release(delaySeconds: number): Promise<void>;
}

export interface RowsQueue {
    readonly name: string;
    readonly poisonName: string;
    send(message: RowsQueueMessage, delaySeconds?: number): Promise<void>;
    /** Sends a message already encoded as queue text (toInlineQueueText), so the webhook serialises it once. */
    sendText(text: string): Promise<void>;
    /** Takes up to `count` visible messages, hidden for `visibilitySeconds` unless completed or released. */
    receive(count: number, visibilitySeconds: number): Promise<ReceivedMessage[]>;
    sendPoison(message: RowsMessage | { raw: unknown }, reason: PoisonReason): Promise<void>;
}

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
                visibilityTimeout: toVisibilityTimeout(Math.ceil(delaySeconds)),
                messageTimeToLive: -1,
            });
        },
        async sendText(text) {
            await ensureQueue();
            await queue.sendMessage(text, { messageTimeToLive: -1 });
        },
        async receive(count, visibilitySeconds) {
            await ensureQueue();
            const received = await queue.receiveMessages({
                numberOfMessages: Math.min(32, count),
                visibilityTimeout: visibilitySeconds,
            });
            return received.receivedMessageItems.map((item) => {
                let body: unknown;
                try {
                    body = fromQueueText(item.messageText);
                } catch {
                    body = item.messageText;
                }
                return {
                    body,
                    dequeueCount: item.dequeueCount,
                    complete: async () => {
                        await queue.deleteMessage(item.messageId, item.popReceipt);
                    },
                    release: async (delaySeconds) => {
                        await queue.updateMessage(
                            item.messageId,
                            item.popReceipt,
                            undefined,
                            toVisibilityTimeout(Math.ceil(delaySeconds)),
                        );
                    },
                };
            });
        },
        async sendPoison(message, reason) {
            await ensurePoison();
            await poison.sendMessage(toQueueText({ ...message, failure: toStoredReason(reason) }), {
                messageTimeToLive: -1,
            });
        },
    };
}

/** The JSON of a stored reason fits in this many bytes, within the room a committed message leaves (resendRoomBytes). */
const maxReasonBytes = 2 * 1024;

/**
 * A reason as a poison message stores it: its texts bounded (a service's error text can be long, and escaped control
 * characters take six bytes each), so a committed message and its reason stay within a queue message.
 */
function toStoredReason(reason: PoisonReason): PoisonReason {
    let stored: PoisonReason = {
        ...reason,
        message: reason.message.slice(0, 500),
        ...(reason.code === undefined ? {} : { code: reason.code.slice(0, 100) }),
        ...(reason.requestId === undefined ? {} : { requestId: reason.requestId.slice(0, 100) }),
    };
    // A code and a request id of 100 characters take at most 600 bytes each: the message is shortened until it fits.
    while (Buffer.byteLength(JSON.stringify(stored)) > maxReasonBytes)
        stored = { ...stored, message: stored.message.slice(0, Math.floor(stored.message.length / 2)) };
    return stored;
}
