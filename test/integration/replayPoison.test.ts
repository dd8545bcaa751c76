import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverRows } from '../../src/push/deliverRows';
import { replayPoison } from '../../src/push/replayPoison';
import { rowsMessageSchema, toQueueText } from '../../src/queue/rowsMessage';
import { createStorageClients } from '../../src/storage/storageClients';
import { productMessage, startRelayTestBed, type RelayTestBed } from './relayTestBed';

/** The first delivery of a message. */
const fresh = { dequeueCount: 1 };

let bed: RelayTestBed;
beforeAll(async () => {
    bed = await startRelayTestBed();
});
afterAll(async () => {
    await bed?.close();
});

const product = (id: number) => ({ ProductID: id, Name: `Product ${id}` });

async function poisonedRelay() {
    const { relay, workspaceId } = await bed.newRelay({ PUSH_MAX_ATTEMPTS: '1' });
    await deliverRows(productMessage([product(0)]), relay.deliver, fresh);
    await bed.emulator.injectFaults({ operation: 'postRows', kind: 'status', status: 503, count: 1 });
    const message = productMessage([product(1), product(2)]);
    expect((await deliverRows(message, relay.deliver, fresh)).poisoned).toHaveLength(1);
    // Something else in the poison queue: not ours, left alone.
    await bed.queue(`${relay.settings.ROWS_QUEUE}-poison`).sendMessage(toQueueText({ hello: 'world' }));
    return { relay, workspaceId, message, queueService: createStorageClients(relay.settings).queueService };
}

describe('replayPoison', () => {
    it('lists what it would send back in a dry run and changes nothing', async () => {
        const { relay, message, queueService } = await poisonedRelay();
        const entries = await replayPoison(queueService, relay.settings.ROWS_QUEUE, { dryRun: true });
        expect(entries).toEqual([
            {
                ingestionId: message.ingestionId,
                dataset: 'SalesMarketing',
                tables: [{ table: 'Product', rows: 2 }],
                rows: 2,
                failure: expect.objectContaining({ status: 503 }),
                countedPoisoned: true,
                outcome: 'would replay',
            },
            { outcome: 'skipped', reason: 'not a rows message' },
        ]);
        expect(await bed.drain(relay.settings.ROWS_QUEUE)).toEqual([]);
        const poison = await bed.queue(`${relay.settings.ROWS_QUEUE}-poison`).getProperties();
        expect(poison.approximateMessagesCount).toBe(2);
    });

    it('leaves what a dry run looked at visible, so the real replay right after it sends the rows back', async () => {
        const { relay, message, queueService } = await poisonedRelay();
        await replayPoison(queueService, relay.settings.ROWS_QUEUE, { dryRun: true });
        const entries = await replayPoison(queueService, relay.settings.ROWS_QUEUE, { dryRun: false });
        expect(entries).toMatchObject([
            { ingestionId: message.ingestionId, outcome: 'replayed' },
            { outcome: 'skipped', reason: 'not a rows message' },
        ]);
        expect(await bed.drain(relay.settings.ROWS_QUEUE)).toHaveLength(1);
    });

    it('replays a message an instance of an earlier version could not read (kept whole as raw), once this one can', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        const message = productMessage([product(7)]);
        await relay.deliver.queue.sendPoison(
            { raw: message },
            { message: 'Not a pbi-relay rows message: (message): unrecognized key', at: new Date().toISOString() },
        );
        const queueService = createStorageClients(relay.settings).queueService;
        expect(await replayPoison(queueService, relay.settings.ROWS_QUEUE, { dryRun: false })).toMatchObject([
            // Its rows were never counted as poisoned (nor taken out of the status page's backlog): not counted replayed.
            { ingestionId: message.ingestionId, rows: 1, countedPoisoned: false, outcome: 'replayed' },
        ]);
        const [replayed] = await bed.drain(relay.settings.ROWS_QUEUE);
        expect(replayed).toMatchObject({ ingestionId: message.ingestionId, requeued: true, attempt: 0 });
        expect((await deliverRows(rowsMessageSchema.parse(replayed), relay.deliver, fresh)).rowsPushed).toBe(1);
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId);
        expect(dataset?.tables[0]?.rows?.map((row) => row.ProductID)).toEqual([7]);
    });

    it('sends poisoned rows back with a fresh attempt count, and they are pushed once', async () => {
        const { relay, workspaceId, message, queueService } = await poisonedRelay();
        const entries = await replayPoison(queueService, relay.settings.ROWS_QUEUE, { dryRun: false });
        expect(entries).toMatchObject([
            { ingestionId: message.ingestionId, outcome: 'replayed' },
            { outcome: 'skipped', reason: 'not a rows message' },
        ]);
        const [requeued] = await bed.drain(relay.settings.ROWS_QUEUE);
        expect(requeued).toMatchObject({
            ingestionId: message.ingestionId,
            attempt: 0,
            rows: [product(1), product(2)],
        });
        expect(requeued).not.toHaveProperty('failure');
        expect(await deliverRows(productMessage([], requeued as object), relay.deliver, fresh)).toMatchObject({
            rowsPushed: 2,
            poisoned: [],
        });
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId);
        expect(dataset?.tables[0]?.rows?.map((r) => r.ProductID)).toEqual([0, 1, 2]);
        expect((await bed.queue(`${relay.settings.ROWS_QUEUE}-poison`).getProperties()).approximateMessagesCount).toBe(
            1,
        );
    });
});
