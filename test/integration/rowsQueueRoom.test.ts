import { QueueServiceClient } from '@azure/storage-queue';
import { beforeAll, describe, expect, it } from 'vitest';
import { useAzurite } from '../support/useAzurite';
import {
    fromQueueText,
    maxQueueMessageBytes,
    resendRoomBytes,
    rowsMessageSchema,
    toInlineQueueText,
    toQueueText,
} from '../../src/queue/rowsMessage';
import { createRowsQueue } from '../../src/queue/rowsQueue';

const azurite = useAzurite();
let queueService: QueueServiceClient;
beforeAll(() => {
    queueService = QueueServiceClient.fromConnectionString(azurite.current.connectionString);
});

const envelope = {
    version: 1 as const,
    ingestionId: '0f8e2b1c-4a5d-4e6f-9a0b-1c2d3e4f5a6b',
    dataset: 'SalesMarketing',
    table: 'Product',
    receivedAt: '2024-05-01T00:00:00.000Z',
    part: 0,
    attempt: 0,
};

/** The largest inline message of rows with `name`: one more row goes to a claim-check blob. */
function largestInline(name: string): string {
    const rows: { ProductID: number; Name: string }[] = [];
    let text: string | undefined;
    for (;;) {
        const next = [...rows, { ProductID: rows.length, Name: name }];
        const candidate = toInlineQueueText({ ...envelope, rowCount: next.length }, JSON.stringify(next));
        if (candidate === undefined) return text!;
        rows.push(next.at(-1)!);
        text = candidate;
    }
}

describe('room a committed message leaves under 64 KiB', () => {
    it('Azurite refuses one byte over a queue message, as Azure Storage does', async () => {
        const queue = queueService.getQueueClient('room-limit');
        await queue.create();
        await queue.sendMessage('A'.repeat(maxQueueMessageBytes));
        await expect(queue.sendMessage('A'.repeat(maxQueueMessageBytes + 1))).rejects.toMatchObject({
            statusCode: 413,
        });
    });

    it('the largest inline message, sent again with every mark and poisoned with a long reason, is stored', async () => {
        const text = largestInline('é'.repeat(40));
        expect(text.length).toBeLessThanOrEqual(maxQueueMessageBytes - resendRoomBytes);
        expect(text.length).toBeGreaterThan(maxQueueMessageBytes - resendRoomBytes - 200);
        const message = rowsMessageSchema.parse(fromQueueText(text));
        const queue = createRowsQueue(queueService, 'room-rows');
        const resent = { ...message, part: 12_345, attempt: 99, requeued: true as const, forwarded: true as const };
        expect(toQueueText(resent).length).toBeLessThanOrEqual(maxQueueMessageBytes);
        await queue.send(resent, 0);
        // The longest texts in bytes: three-byte characters, and control characters JSON escapes in six.
        for (const text of ['€', '\u0001']) {
            await queue.sendPoison(resent, {
                status: 400,
                code: text.repeat(1_000),
                message: `Gave up after 99 attempts: ${text.repeat(10_000)}`,
                requestId: text.repeat(1_000),
                at: new Date().toISOString(),
            });
        }
        const stored = (await queueService.getQueueClient('room-rows-poison').receiveMessages({ numberOfMessages: 2 }))
            .receivedMessageItems;
        expect(stored).toHaveLength(2);
        for (const item of stored) {
            const poisoned = fromQueueText(item.messageText) as { failure: Record<string, unknown>; rows: unknown[] };
            expect(poisoned.rows).toHaveLength(message.rowCount);
            expect(poisoned.failure).toMatchObject({ status: 400 });
            expect((poisoned.failure.message as string).startsWith('Gave up after 99 attempts: ')).toBe(true);
            expect((poisoned.failure.code as string).length).toBe(100);
            expect((poisoned.failure.requestId as string).length).toBe(100);
            expect(Buffer.byteLength(JSON.stringify(poisoned.failure))).toBeLessThanOrEqual(2 * 1024);
        }
    });
});
