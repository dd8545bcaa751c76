import type { QueueClient } from '@azure/storage-queue';
import { isStorageStatus } from '../storage/isStorageStatus';
import type { QueueDepth } from './relayMetrics';

/** A collection waits this long at most for the queue: a Storage outage leaves the gauges out, not the export. */
const readTimeoutMs = 5_000;

/** Two Storage reads: the queue's approximate count and a peek at its front (a queue not yet created is empty). */
export async function readQueueDepth(queue: QueueClient, now: () => Date): Promise<QueueDepth> {
    try {
        const abortSignal = AbortSignal.timeout(readTimeoutMs);
        const [properties, peeked] = await Promise.all([
            queue.getProperties({ abortSignal }),
            queue.peekMessages({ numberOfMessages: 1, abortSignal }),
        ]);
        const oldest = peeked.peekedMessageItems[0]?.insertedOn;
        return {
            messages: properties.approximateMessagesCount ?? 0,
            oldestMessageAgeSeconds: oldest ? Math.max(0, (now().getTime() - oldest.getTime()) / 1000) : 0,
        };
    } catch (error) {
        if (isStorageStatus(error, 404)) return { messages: 0, oldestMessageAgeSeconds: 0 };
        throw error;
    }
}
