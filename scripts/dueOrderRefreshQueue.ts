import type { QueueClient } from '@azure/storage-queue';
import { toQueueText } from '../src/queue/rowsMessage';
import type { RefreshQueue } from '../src/refresh/refreshQueue';

/** When each message sent through the queue is due, on the emulator's clock, by message id. */
export type DueTimes = Map<string, number>;

/**
 * The refresh queue for runs on the Power BI emulator's clock (refresh tests, `npm run bench:refresh`):
 * every message is visible at once, and its due time (the clock's now plus the delay the relay asked for)
 * is kept in `dueTimes`, so the runner takes messages in due order and moves the emulator's clock to each
 * instead of waiting.
 */
export function createDueOrderRefreshQueue(queue: QueueClient, now: () => Date, dueTimes: DueTimes): RefreshQueue {
    let created: Promise<unknown> | undefined;
    return {
        name: queue.name,
        async send(message, delaySeconds) {
            await (created ??= queue.createIfNotExists());
            const sent = await queue.sendMessage(toQueueText(message), { messageTimeToLive: -1 });
            dueTimes.set(sent.messageId, now().getTime() + delaySeconds * 1000);
        },
    };
}
