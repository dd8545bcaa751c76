import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
    fromQueueText,
    maxQueueMessageBytes,
    rowsMessageSchema,
    toInlineQueueText,
    toQueueText,
} from '../../src/queue/rowsMessage';
import { retryDelaySeconds } from '../../src/push/retryDelay';
import { decodeQueueMessage, type QueueMessageEncoding } from '../../local/host/queueMessageEncoding';

const message = {
    version: 1 as const,
    ingestionId: 'i-1',
    dataset: 'SalesMarketing',
    table: 'Product',
    rowCount: 1,
    receivedAt: '2024-05-01T00:00:00.000Z',
    rows: [{ ProductID: 1 }],
};

describe('rows queue message', () => {
    it('is encoded the way host.json tells the Functions host to decode it', () => {
        const hostJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8'));
        const encoding = hostJson.extensions.queues.messageEncoding.toLowerCase() as QueueMessageEncoding;
        expect(JSON.parse(decodeQueueMessage(toQueueText(message), encoding)!)).toEqual(message);
        expect(fromQueueText(toQueueText(message))).toEqual(message);
    });

    it('defaults part and attempt and requires rows or a blob, not both', () => {
        expect(rowsMessageSchema.parse(message)).toMatchObject({ part: 0, attempt: 0 });
        expect(rowsMessageSchema.safeParse({ ...message, blob: 'b' }).success).toBe(false);
        expect(rowsMessageSchema.safeParse({ ...message, rows: undefined }).success).toBe(false);
        expect(rowsMessageSchema.safeParse({ ...message, rowCount: 2 }).success).toBe(false);
        expect(rowsMessageSchema.safeParse({ ...message, version: 2 }).success).toBe(false);
    });

    it('builds the inline queue text from the rows JSON, the same message toQueueText encodes', () => {
        const { rows, ...envelope } = message;
        const text = toInlineQueueText({ ...envelope, part: 0, attempt: 0 }, JSON.stringify(rows));
        expect(fromQueueText(text!)).toEqual({ ...message, part: 0, attempt: 0 });
        expect(fromQueueText(text!)).toEqual(fromQueueText(toQueueText({ ...message, part: 0, attempt: 0 })));
    });

    it('knows when rows no longer fit in a 64 KiB queue message, counting UTF-8 bytes', () => {
        const envelope = { ...message, rows: undefined, part: 0, attempt: 0 };
        const text = (rows: unknown[]) => toInlineQueueText(envelope, JSON.stringify(rows));
        const named = (n: number, name: string) => Array.from({ length: n }, (_, i) => ({ ProductID: i, Name: name }));
        expect(text(named(100, 'x'.repeat(100)))!.length).toBeLessThanOrEqual(maxQueueMessageBytes);
        expect(text(named(1000, 'x'.repeat(100)))).toBeUndefined();
        // 300 rows of 100 'é' are 38,291 UTF-16 units (51 KiB as Base64) but 68,291 bytes of UTF-8 (89 KiB).
        expect(text(named(300, 'é'.repeat(100)))).toBeUndefined();
    });
});

describe('retryDelaySeconds', () => {
    const policy = { baseSeconds: 5, maxSeconds: 900 };
    it('doubles per attempt with jitter between half and all, capped', () => {
        expect(retryDelaySeconds(1, policy, 0, () => 0)).toBe(3);
        expect(retryDelaySeconds(1, policy, 0, () => 1)).toBe(5);
        expect(retryDelaySeconds(4, policy, 0, () => 1)).toBe(40);
        expect(retryDelaySeconds(20, policy, 0, () => 1)).toBe(900);
    });
    it('never waits less than the service asked', () => {
        expect(retryDelaySeconds(1, policy, 120, () => 0)).toBe(120);
    });
});
