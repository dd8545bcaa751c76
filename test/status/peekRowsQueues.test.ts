import { QueueServiceClient } from '@azure/storage-queue';
import { beforeAll, describe, expect, it } from 'vitest';
import { useAzurite } from '../support/useAzurite';
import { createRowsQueue } from '../../src/queue/rowsQueue';
import { toQueueText } from '../../src/queue/rowsMessage';
import { peekPoisonQueue, peekRowsQueue, toTableKey } from '../../src/status/peekRowsQueues';
import { productMessage } from '../integration/relayTestBed';

const azurite = useAzurite();
let queueService: QueueServiceClient;
beforeAll(() => {
    queueService = QueueServiceClient.fromConnectionString(azurite.current.connectionString);
});

describe('the queues as the status page sees them', () => {
    it('counts visible messages per table with the oldest, and leaves delayed ones out of the peek', async () => {
        const rows = createRowsQueue(queueService, 'peek-rows');
        await rows.send(productMessage([{ ProductID: 1, Name: 'a' }]));
        await rows.send(productMessage([{ ProductID: 2, Name: 'b' }]));
        await rows.send({ ...productMessage([{ ProductID: 3, Name: 'c' }]), dataset: 'GitHub', table: 'Commits' });
        await rows.send(productMessage([{ ProductID: 4, Name: 'd' }]), 600);

        const peeked = await peekRowsQueue(queueService, 'peek-rows');
        expect(peeked).toMatchObject({ approximateMessages: 4, peeked: 3 });
        expect(peeked.byTable.get(toTableKey('SalesMarketing', 'Product'))?.messages).toBe(2);
        expect(peeked.byTable.get(toTableKey('GitHub', 'Commits'))?.messages).toBe(1);
        expect(peeked.oldestInsertedOn).toBeInstanceOf(Date);
        // Peeking changes nothing: the messages are still there for the push function.
        expect((await peekRowsQueue(queueService, 'peek-rows')).peeked).toBe(3);
    });

    it('answers an empty queue that was never created', async () => {
        expect(await peekRowsQueue(queueService, 'never-created')).toMatchObject({ approximateMessages: 0, peeked: 0 });
        expect(await peekPoisonQueue(queueService, 'never-created-poison')).toEqual({
            approximateMessages: 0,
            entries: [],
        });
    });

    it("shows poison messages with the relay's reason, and the host's own without one", async () => {
        const rows = createRowsQueue(queueService, 'peek-poisoned');
        const message = productMessage([
            { ProductID: 1, Name: 'a' },
            { ProductID: 2, Name: 'b' },
        ]);
        const reason = {
            status: 400,
            code: 'BadRequest',
            message: 'column X',
            requestId: 'r-1',
            at: '2026-12-02T10:00:00.000Z',
        };
        await rows.sendPoison(message, reason);
        await queueService
            .getQueueClient(rows.poisonName)
            .sendMessage(toQueueText(productMessage([{ ProductID: 3, Name: 'c' }])));
        // A message a trigger could not read, kept whole: shown with its ingestion, so replay-poison can be pointed at it.
        const unreadable = { ...productMessage([{ ProductID: 4, Name: 'd' }]), forwarded: 'yes' };
        const refusal = { message: 'Not a pbi-relay rows message: forwarded', at: '2026-12-02T10:01:00.000Z' };
        await rows.sendPoison({ raw: unreadable }, refusal);

        const { approximateMessages, entries } = await peekPoisonQueue(queueService, rows.poisonName);
        expect(approximateMessages).toBe(3);
        expect(entries[0]).toMatchObject({
            ingestionId: message.ingestionId,
            dataset: 'SalesMarketing',
            table: 'Product',
            rows: 2,
            reason,
        });
        expect(entries[1]!.reason.message).toMatch(/Functions host/);
        expect(entries[2]).toMatchObject({
            ingestionId: unreadable.ingestionId,
            table: 'Product',
            rows: 1,
            reason: refusal,
        });
    });
});
