import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { fromQueueText } from '../queue/rowsMessage';
import { splitPoisonBody } from '../queue/splitPoisonBody';
import { isStorageStatus } from '../storage/isStorageStatus';
import type { PoisonEntry } from './statusSchema';
import { z } from 'zod';

/** Storage queues peek at most 32 messages at once: the page looks at one such batch per queue, never more. */
const peekLimit = 32;

const peekedRowsSchema = z.looseObject({
    ingestionId: z.string().optional(),
    dataset: z.string().optional(),
    table: z.string().optional(),
    rowCount: z.number().optional(),
});
const failureSchema = z.looseObject({
    status: z.number().int().optional(),
    code: z.string().optional(),
    message: z.string(),
    requestId: z.string().optional(),
    at: z.string().optional(),
});

interface Peeked {
    approximateMessages: number;
    messages: { body: unknown; insertedOn?: Date }[];
}

async function peek(queue: QueueClient): Promise<Peeked> {
    try {
        const [properties, peeked] = await Promise.all([
            queue.getProperties(),
            queue.peekMessages({ numberOfMessages: peekLimit }),
        ]);
        return {
            approximateMessages: properties.approximateMessagesCount ?? 0,
            messages: peeked.peekedMessageItems.map((item) => {
                let body: unknown;
                try {
                    body = fromQueueText(item.messageText);
                } catch {
                    body = item.messageText;
                }
                return { body, insertedOn: item.insertedOn };
            }),
        };
    } catch (error) {
        // The queue is created with the first message.
        if (isStorageStatus(error, 404)) return { approximateMessages: 0, messages: [] };
        throw error;
    }
}

export interface RowsQueuePeek {
    approximateMessages: number;
    peeked: number;
    oldestInsertedOn?: Date;
    /** Per `dataset\ntable`: the oldest visible message peeked and how many were peeked. */
    byTable: Map<string, { oldestInsertedOn?: Date; messages: number }>;
}

export const toTableKey = (dataset: string, table: string) => `${dataset}\n${table}`;

/** The rows queue: its approximate length and the oldest visible messages (the front of the queue). */
export async function peekRowsQueue(queueService: QueueServiceClient, queueName: string): Promise<RowsQueuePeek> {
    const { approximateMessages, messages } = await peek(queueService.getQueueClient(queueName));
    const byTable: RowsQueuePeek['byTable'] = new Map();
    let oldestInsertedOn: Date | undefined;
    for (const { body, insertedOn } of messages) {
        if (insertedOn && (!oldestInsertedOn || insertedOn < oldestInsertedOn)) oldestInsertedOn = insertedOn;
        const parsed = peekedRowsSchema.safeParse(body);
        if (!parsed.success || parsed.data.dataset === undefined || parsed.data.table === undefined) continue;
        const key = toTableKey(parsed.data.dataset, parsed.data.table);
        const entry = byTable.get(key) ?? { messages: 0 };
        entry.messages += 1;
        if (insertedOn && (!entry.oldestInsertedOn || insertedOn < entry.oldestInsertedOn))
            entry.oldestInsertedOn = insertedOn;
        byTable.set(key, entry);
    }
    return { approximateMessages, peeked: messages.length, oldestInsertedOn, byTable };
}

/** The poison queue's approximate length and its first messages with the reason the relay recorded. */
export async function peekPoisonQueue(
    queueService: QueueServiceClient,
    poisonName: string,
): Promise<{ approximateMessages: number; entries: PoisonEntry[] }> {
    const { approximateMessages, messages } = await peek(queueService.getQueueClient(poisonName));
    const entries = messages.map(({ body, insertedOn }): PoisonEntry => {
        const poisoned = splitPoisonBody(body);
        const rows = peekedRowsSchema.safeParse(poisoned.message);
        const failure = failureSchema.safeParse(poisoned.failure);
        return {
            ...(rows.success && rows.data.ingestionId !== undefined ? { ingestionId: rows.data.ingestionId } : {}),
            ...(rows.success && rows.data.dataset !== undefined ? { dataset: rows.data.dataset } : {}),
            ...(rows.success && rows.data.table !== undefined ? { table: rows.data.table } : {}),
            ...(rows.success && rows.data.rowCount !== undefined ? { rows: rows.data.rowCount } : {}),
            ...(insertedOn ? { insertedOn: insertedOn.toISOString() } : {}),
            // The Functions host moves a message here itself after maxDequeueCount failed invocations, without a reason.
            reason: failure.success
                ? failure.data
                : {
                      message:
                          'Moved here by the Functions host after repeated failed invocations (no reason recorded)',
                  },
        };
    });
    return { approximateMessages, entries };
}
