import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverCoalesced } from '../../src/push/deliverCoalesced';
import type { Relay } from '../../src/runtime/relay';
import { productMessage, startRelayTestBed, type RelayTestBed } from './relayTestBed';

let bed: RelayTestBed;
beforeAll(async () => {
    bed = await startRelayTestBed();
});
afterAll(async () => {
    await bed?.close();
});

const product = (id: number, tag: string) => ({ ProductID: id, Name: tag });
async function pushed(workspaceId: string) {
    const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId);
    return (dataset?.tables[0]?.rows ?? []).map((row) => row.ProductID);
}
const postRowsCalls = async (workspaceId: string) =>
    (await bed.emulator.requests()).filter((r) => r.operation === 'postRows' && r.path.includes(workspaceId));
const visible = async (relay: Relay) =>
    (await bed.queue(relay.settings.ROWS_QUEUE).peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length;
const queued = async (relay: Relay) =>
    (await bed.queue(relay.settings.ROWS_QUEUE).getProperties()).approximateMessagesCount;

async function warmUp(relay: Relay) {
    // Creates the dataset, so later calls are Add Rows only.
    await deliverCoalesced(productMessage([product(0, 'warm-up')]), { ...relay.deliver, coalesceMessages: 0 });
}

describe('deliverCoalesced', () => {
    it('pushes small queued requests for the same table in one Add Rows call, each recorded in the ledger', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await warmUp(relay);
        const queuedMessages = Array.from({ length: 5 }, (_, i) => productMessage([product(10 + i, 'c')]));
        for (const m of queuedMessages) await relay.deliver.queue.send(m);
        const first = productMessage([product(1, 'c'), product(2, 'c')]);
        const outcome = await deliverCoalesced(first, relay.deliver);
        expect(outcome).toMatchObject({ kind: 'delivered', rows: 7, parts: 1, coalesced: 5 });
        expect((await postRowsCalls(workspaceId)).map((r) => r.rows)).toEqual([1, 7]);
        expect((await pushed(workspaceId)).sort((a, b) => Number(a) - Number(b))).toEqual([
            0, 1, 2, 10, 11, 12, 13, 14,
        ]);
        expect(await queued(relay)).toBe(0);
        for (const m of [first, ...queuedMessages])
            expect(await relay.deliver.ledger.pushedParts(m.ingestionId)).toEqual(new Set([0]));
    });

    it('leaves other tables, claim-check ingestions and retried messages in the queue, visible at once', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await warmUp(relay);
        await relay.deliver.queue.send(productMessage([product(20, 'o')], { table: 'Other' }));
        await relay.deliver.queue.send(productMessage([], { rows: undefined, blob: 'b.json', rowCount: 1 }));
        await relay.deliver.queue.send(productMessage([product(21, 'o')], { attempt: 1 }));
        const outcome = await deliverCoalesced(productMessage([product(1, 'o')]), relay.deliver);
        expect(outcome).toMatchObject({ kind: 'delivered', rows: 1 });
        expect(await visible(relay)).toBe(3);
        expect(await pushed(workspaceId)).toEqual([0, 1]);
    });

    it('does not push a companion again that the ledger already holds', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await warmUp(relay);
        const done = productMessage([product(30, 'd')]);
        await relay.deliver.ledger.recordPart(done.ingestionId, 0, { rows: 1 });
        await relay.deliver.queue.send(done);
        const outcome = await deliverCoalesced(productMessage([product(31, 'd')]), relay.deliver);
        expect(outcome).toMatchObject({ kind: 'delivered', rows: 1, coalesced: 1 });
        expect(await pushed(workspaceId)).toEqual([0, 31]);
        expect(await queued(relay)).toBe(0);
    });

    it('on 429 hides the companions for Retry-After and reschedules the first request', async () => {
        const { relay } = await bed.newRelay();
        await warmUp(relay);
        await relay.deliver.queue.send(productMessage([product(40, 't')]));
        await bed.emulator.injectFaults({
            operation: 'postRows',
            kind: 'status',
            status: 429,
            retryAfterSeconds: 30,
            count: 1,
        });
        const outcome = await deliverCoalesced(productMessage([product(41, 't')]), relay.deliver);
        expect(outcome).toMatchObject({ kind: 'rescheduled', reason: 'throttled', delaySeconds: 30, attempt: 0 });
        // The companion (released for 30 s) and the rescheduled first request are both waiting, neither visible.
        expect(await queued(relay)).toBe(2);
        expect(await visible(relay)).toBe(0);
    });

    it('when the merged call is refused, sends companions back at once and pushes the first request alone', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await warmUp(relay);
        // A companion whose row Power BI refuses (a string longer than the emulator now allows).
        await bed.emulator.updateLimits({ maxStringLength: 10 });
        try {
            await relay.deliver.queue.send(productMessage([product(50, 'x'.repeat(20))]));
            const outcome = await deliverCoalesced(productMessage([product(51, 'ok')]), relay.deliver);
            expect(outcome).toMatchObject({ kind: 'delivered', rows: 1 });
            expect(await pushed(workspaceId)).toEqual([0, 51]);
            expect(await visible(relay)).toBe(1);
        } finally {
            await bed.emulator.updateLimits({ maxStringLength: 4000 });
        }
    });
});
