import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdempotencyStore, type IdempotencyStore } from '../../src/ingest/idempotencyStore';
import { ingestRows } from '../../src/ingest/ingestRows';
import { rowsMessageSchema } from '../../src/queue/rowsMessage';
import { deliverRows, type UnknownOutcome } from '../../src/push/deliverRows';
import { toMarkerCountQuery } from '../../src/powerbi/daxRowCounts';
import { withUnconfirmedSends } from '../support/unconfirmedSends';
import { waitFor } from '../support/waitFor';
import { productConfig, productMessage, startRelayTestBed, type RelayTestBed } from './relayTestBed';

let bed: RelayTestBed;
beforeAll(async () => {
    bed = await startRelayTestBed();
});
afterAll(async () => {
    await bed?.close();
});

/** productConfig's table with a marker column, or with a policy for calls whose outcome is unknown. */
function configWith(table: Record<string, unknown>) {
    const [dataset] = productConfig.datasets;
    const [product] = dataset!.tables;
    return {
        datasets: [
            {
                ...dataset,
                tables: [
                    { ...product, columns: [...product!.columns, { name: 'Batch', dataType: 'String' }], ...table },
                ],
            },
        ],
    };
}

const product = (id: number) => ({ ProductID: id, Name: `Product ${id}` });

/** The first delivery times out after Power BI stored the rows (or not); the message comes back as after a crash. */
async function deliverTwice(table: Record<string, unknown>, fault: 'applied' | 'hang') {
    const { relay, workspaceId } = await bed.newRelay({ POWERBI_TIMEOUT_MS: '1000' }, configWith(table));
    const message = productMessage([product(1), product(2)]);
    // The dataset exists before the fault, so the faulted call is the rows call itself.
    await deliverRows(productMessage([product(0)]), relay.deliver, { dequeueCount: 1 });
    await bed.emulator.injectFaults({
        operation: 'postRows',
        ...(fault === 'applied' ? { kind: 'applied', then: 'hang' } : { kind: 'hang' }),
    });
    const first = await deliverRows(message, relay.deliver, { dequeueCount: 1 });
    await bed.emulator.clearRequests();
    // Each verdict is told as it is made (before the rows go again), with the calls made so far.
    const told: (UnknownOutcome & { callsWhenTold: number })[] = [];
    let calls = 0;
    const { client } = relay.deliver;
    const counting = {
        ...client,
        postRows: (...call: Parameters<typeof client.postRows>) => (calls++, client.postRows(...call)),
    };
    const second = await deliverRows(
        message,
        { ...relay.deliver, client: counting },
        {
            dequeueCount: 2,
            onUnknownOutcome: (outcome) => told.push({ ...outcome, callsWhenTold: calls }),
        },
    );
    const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId)!;
    const rows = dataset.tables[0]!.rows ?? [];
    const ids = rows.map((row) => row.ProductID).sort();
    const queries = (await bed.emulator.requests()).filter((entry) => entry.operation === 'executeQueries');
    return { relay, message, first, second, ids, rows, queries, told };
}

describe('a call whose answer never came (timeout after Power BI stored it, or a crash before the ledger)', () => {
    it('with a marker column: counts the call in Power BI, finds it stored, and does not push it again', async () => {
        const { first, second, ids, rows, queries, relay, message, told } = await deliverTwice(
            { markerColumn: 'Batch' },
            'applied',
        );
        expect(first).toMatchObject({ rowsPushed: 0, rescheduled: { transient: 1 } });
        expect(second).toMatchObject({ calls: 0, verifiedParts: 1, unconfirmedParts: 0, skippedParts: 1 });
        expect(told).toEqual([
            expect.objectContaining({
                ingestionId: message.ingestionId,
                table: 'Product',
                part: 0,
                rows: 2,
                verdict: 'stored',
                pushedAgain: false,
            }),
        ]);
        expect(ids).toEqual([0, 1, 2]);
        expect(queries).toHaveLength(1);
        // Every row carries the id of the call that carried it.
        const batch = rows.find((row) => row.ProductID === 1)?.Batch;
        expect(rows.find((row) => row.ProductID === 2)?.Batch).toBe(batch);
        expect(String(batch)).toMatch(/^[0-9a-f-]{36}$/);
        expect((await relay.deliver.ledger.partsOf(message.ingestionId)).pushed).toEqual(new Set([0]));
    });

    it('with a marker column: when the count is throttled, waits and counts again instead of guessing', async () => {
        const { relay, workspaceId } = await bed.newRelay(
            { POWERBI_TIMEOUT_MS: '1000' },
            configWith({ markerColumn: 'Batch' }),
        );
        await deliverRows(productMessage([product(0)]), relay.deliver, { dequeueCount: 1 });
        await bed.emulator.injectFaults({ operation: 'postRows', kind: 'applied', then: 'hang' });
        const message = productMessage([product(1)]);
        await deliverRows(message, relay.deliver, { dequeueCount: 1 });
        await bed.emulator.injectFaults({
            operation: 'executeQueries',
            kind: 'status',
            status: 429,
            retryAfterSeconds: 7,
        });
        expect(await deliverRows(message, relay.deliver, { dequeueCount: 2 })).toMatchObject({
            calls: 0,
            verifiedParts: 0,
            unconfirmedParts: 0,
            rescheduled: { transient: 1 },
            delaySeconds: 7,
        });
        expect(await deliverRows(message, relay.deliver, { dequeueCount: 3 })).toMatchObject({
            calls: 0,
            verifiedParts: 1,
        });
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId)!;
        expect(dataset.tables[0]!.rows?.map((row) => row.ProductID)).toEqual([0, 1]);
    });

    it('with a marker column: finds none of a call that was not stored, and pushes it once', async () => {
        const { second, ids, queries, told } = await deliverTwice({ markerColumn: 'Batch' }, 'hang');
        expect(second).toMatchObject({ calls: 1, rowsPushed: 2, verifiedParts: 1, unconfirmedParts: 0 });
        expect(told).toEqual([expect.objectContaining({ verdict: 'notStored', pushedAgain: true, rows: 2 })]);
        expect(ids).toEqual([0, 1, 2]);
        expect(queries).toHaveLength(1);
    });

    it('without one, atLeastOnce (the default) pushes again and counts the part as unconfirmed', async () => {
        const { second, ids, queries, told } = await deliverTwice({}, 'applied');
        expect(second).toMatchObject({ calls: 1, verifiedParts: 0, unconfirmedParts: 1 });
        // Told before the second call: a crash after it cannot hide the verdict that made the copy.
        expect(told).toEqual([
            expect.objectContaining({ verdict: 'unconfirmed', pushedAgain: true, rows: 2, callsWhenTold: 0 }),
        ]);
        expect(ids).toEqual([0, 1, 1, 2, 2]);
        expect(queries).toHaveLength(0);
    });

    it('without one, atMostOnce does not push again and counts the part as unconfirmed', async () => {
        const { second, ids, told } = await deliverTwice({ ambiguousOutcome: 'atMostOnce' }, 'applied');
        expect(second).toMatchObject({ calls: 0, verifiedParts: 0, unconfirmedParts: 1 });
        expect(told).toEqual([expect.objectContaining({ verdict: 'unconfirmed', pushedAgain: false })]);
        expect(ids).toEqual([0, 1, 2]);
    });

    it('a definite answer (429) ends the intent: the next delivery pushes without asking Power BI', async () => {
        const { relay, workspaceId } = await bed.newRelay({}, configWith({ markerColumn: 'Batch' }));
        await deliverRows(productMessage([product(0)]), relay.deliver, { dequeueCount: 1 });
        await bed.emulator.injectFaults({ operation: 'postRows', kind: 'status', status: 429, retryAfterSeconds: 1 });
        const message = productMessage([product(1)]);
        expect(await deliverRows(message, relay.deliver, { dequeueCount: 1 })).toMatchObject({
            rescheduled: { throttled: 1 },
        });
        expect((await relay.deliver.ledger.partsOf(message.ingestionId)).pending.size).toBe(0);
        await bed.emulator.clearRequests();
        expect(await deliverRows(message, relay.deliver, { dequeueCount: 2 })).toMatchObject({
            calls: 1,
            verifiedParts: 0,
        });
        expect((await bed.emulator.requests()).some((entry) => entry.operation === 'executeQueries')).toBe(false);
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId)!;
        expect(dataset.tables[0]!.rows?.map((row) => row.ProductID)).toEqual([0, 1]);
    });

    it('settles a companion left pending when another call gathers it, and pushes only what is new', async () => {
        const { relay, workspaceId } = await bed.newRelay(
            { POWERBI_TIMEOUT_MS: '1000', PUSH_RETRY_BASE_SECONDS: '1', PUSH_RETRY_MAX_SECONDS: '1' },
            configWith({ markerColumn: 'Batch' }),
        );
        await deliverRows(productMessage([product(0)]), relay.deliver, { dequeueCount: 1 });
        const companion = productMessage([product(2)]);
        await relay.deliver.queue.send(companion);
        await bed.emulator.injectFaults({ operation: 'postRows', kind: 'applied', then: 'hang' });
        // One call carries both; its answer never comes, and both go back to the queue with the intent pending.
        expect(await deliverRows(productMessage([product(1)]), relay.deliver, { dequeueCount: 1 })).toMatchObject({
            calls: 1,
            rescheduled: { transient: 2 },
        });
        expect((await relay.deliver.ledger.partsOf(companion.ingestionId)).pending.size).toBe(1);
        // Both go back (the trigger too) and become visible after their 1 s back-off; a new request's call gathers them.
        await waitFor(
            async () =>
                (await bed.queue(relay.settings.ROWS_QUEUE).peekMessages({ numberOfMessages: 32 })).peekedMessageItems
                    .length === 2,
        );
        const next = await deliverRows(productMessage([product(3)]), relay.deliver, { dequeueCount: 1 });
        expect(next).toMatchObject({ calls: 1, verifiedParts: 2, rowsPushed: 1 });
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId)!;
        expect(dataset.tables[0]!.rows?.map((row) => row.ProductID).sort()).toEqual([0, 1, 2, 3]);
    });

    it('an enqueue Storage stored but did not confirm keeps the key: the retry enqueues under the same id, the rows arrive once', async () => {
        const { relay, workspaceId } = await bed.newRelay({ IDEMPOTENCY_TABLE: `keys${Date.now()}` });
        const table = TableClient.fromConnectionString(bed.azurite.connectionString, relay.settings.IDEMPOTENCY_TABLE, {
            allowInsecureConnection: true,
        });
        const store = createIdempotencyStore(table, { retentionHours: 24, staleClaimSeconds: 60 });
        const body = new TextEncoder().encode(JSON.stringify({ rows: [product(1), product(2)] }));
        const send = (deps: Partial<typeof relay.ingest>) =>
            ingestRows(
                {
                    dataset: 'SalesMarketing',
                    table: 'Product',
                    headers: { 'content-type': 'application/json', 'idempotency-key': 'order-batch-8' },
                    body: [body],
                },
                { ...relay.ingest, idempotency: store, ...deps },
            );
        // The message is stored, and then the connection drops before Storage's answer arrives.
        expect(await send(withUnconfirmedSends(relay.ingest))).toMatchObject({
            kind: 'unavailable',
            message: /may or may not/,
        });
        const [original] = (await bed.drain(relay.settings.ROWS_QUEUE)).map((m) => rowsMessageSchema.parse(m));

        // A retry while the claim is young is told to wait; nothing is enqueued.
        expect(await send({})).toMatchObject({ kind: 'inProgress' });
        expect(await bed.drain(relay.settings.ROWS_QUEUE)).toEqual([]);
        // Once the claim is old enough to take over (60 s, here at once), the retry enqueues under the same id.
        const later = createIdempotencyStore(table, { retentionHours: 24, staleClaimSeconds: 0 });
        expect(await send({ idempotency: later })).toMatchObject({
            kind: 'accepted',
            ingestionId: original!.ingestionId,
        });
        const [copy] = (await bed.drain(relay.settings.ROWS_QUEUE)).map((m) => rowsMessageSchema.parse(m));
        expect(await deliverRows(original!, relay.deliver, { dequeueCount: 1 })).toMatchObject({ calls: 1 });
        expect(await deliverRows(copy!, relay.deliver, { dequeueCount: 1 })).toMatchObject({ calls: 0 });
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId)!;
        expect(dataset.tables[0]!.rows?.map((row) => row.ProductID)).toEqual([1, 2]);
    });

    it('quotes names and the call id as DAX does', () => {
        expect(toMarkerCountQuery("Bob's", 'a]b', 'x"y')).toBe(
            `EVALUATE ROW("rows", COUNTROWS(FILTER('Bob''s', 'Bob''s'[a]]b] = "x""y")))`,
        );
    });

    it.each(['the original', "the retry's copy"])(
        'a request key taken over after a crash between enqueue and record: the rows arrive once (%s pushed first)',
        async (first) => {
            const { relay, workspaceId } = await bed.newRelay({ IDEMPOTENCY_TABLE: `keys${Date.now()}` });
            const table = TableClient.fromConnectionString(
                bed.azurite.connectionString,
                relay.settings.IDEMPOTENCY_TABLE,
                { allowInsecureConnection: true },
            );
            // Every claim is stale at once, as one is 60 s after its claimer died.
            const store = createIdempotencyStore(table, { retentionHours: 24, staleClaimSeconds: 0 });
            // The instance dies after it enqueued and before it recorded the key as committed.
            const dying: IdempotencyStore = {
                ...store,
                complete: () => Promise.reject(new Error('the host was killed')),
            };
            const body = new TextEncoder().encode(JSON.stringify({ rows: [product(1), product(2)] }));
            const send = (idempotency: IdempotencyStore) =>
                ingestRows(
                    {
                        dataset: 'SalesMarketing',
                        table: 'Product',
                        headers: { 'content-type': 'application/json', 'idempotency-key': 'order-batch-7' },
                        body: [body],
                    },
                    { ...relay.ingest, idempotency },
                );
            expect(await send(dying)).toMatchObject({ kind: 'accepted', rows: 2 });
            const [original] = (await bed.drain(relay.settings.ROWS_QUEUE)).map((m) => rowsMessageSchema.parse(m));

            // The sender's retry takes the pending claim over and enqueues again, under the same ingestion id.
            const retry = await send(store);
            expect(retry).toMatchObject({ kind: 'accepted', ingestionId: original!.ingestionId });
            const [copy] = (await bed.drain(relay.settings.ROWS_QUEUE)).map((m) => rowsMessageSchema.parse(m));
            // Both copies ask the ledger first, so whichever comes second pushes nothing.
            expect(original).toMatchObject({ requeued: true });
            expect(copy).toMatchObject({ ingestionId: original!.ingestionId, requeued: true });
            const [earlier, later] = first === 'the original' ? [original!, copy!] : [copy!, original!];
            expect(await deliverRows(earlier, relay.deliver, { dequeueCount: 1 })).toMatchObject({ calls: 1 });
            expect(await deliverRows(later, relay.deliver, { dequeueCount: 1 })).toMatchObject({
                calls: 0,
                skippedParts: 1,
            });
            // Recorded now: a third copy is answered the 202 again and enqueues nothing.
            expect(await send(store)).toMatchObject({ kind: 'replayed', status: 202 });
            expect(await bed.drain(relay.settings.ROWS_QUEUE)).toEqual([]);
            const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId)!;
            expect(dataset.tables[0]!.rows?.map((row) => row.ProductID)).toEqual([1, 2]);
        },
    );

    it('two copies of one ingestion waiting in the queue are never packed into one call', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await deliverRows(productMessage([product(0)]), relay.deliver, { dequeueCount: 1 });
        const copy = productMessage([product(5)], { requeued: true });
        await relay.deliver.queue.send(copy);
        await relay.deliver.queue.send(copy);
        expect(await deliverRows(productMessage([product(6)]), relay.deliver, { dequeueCount: 1 })).toMatchObject({
            calls: 1,
            packed: 1,
        });
        const [left] = (await bed.drain(relay.settings.ROWS_QUEUE)).map((m) => rowsMessageSchema.parse(m));
        expect(await deliverRows(left!, relay.deliver, { dequeueCount: 1 })).toMatchObject({
            calls: 0,
            skippedParts: 1,
        });
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId)!;
        expect(dataset.tables[0]!.rows?.map((row) => row.ProductID).sort()).toEqual([0, 5, 6]);
    });

    it('a copy delivered while the first still runs (its lease lapsed) stays out of the call and is skipped later', async () => {
        const { relay, workspaceId } = await bed.newRelay(
            { PUSH_COALESCE_MESSAGES: '0' },
            configWith({ markerColumn: 'Batch' }),
        );
        await deliverRows(productMessage([product(0)]), relay.deliver, { dequeueCount: 1 });
        const message = productMessage([product(1), product(2)]);
        // Both read the ledger before either records its intent: the one that claims the part second stays out.
        const reports = await Promise.all([
            deliverRows(message, relay.deliver, { dequeueCount: 1 }),
            deliverRows(message, relay.deliver, { dequeueCount: 2 }),
        ]);
        expect(reports.map((report) => report.calls).sort()).toEqual([0, 1]);
        expect(reports.map((report) => report.skippedParts).sort()).toEqual([0, 1]);
        // The copy that stayed out went back to the queue, hidden until the other call is settled.
        const { approximateMessagesCount } = await bed.queue(relay.settings.ROWS_QUEUE).getProperties();
        expect(approximateMessagesCount).toBe(1);
        expect(await bed.drain(relay.settings.ROWS_QUEUE)).toEqual([]);
        const resent = { ...message, requeued: true as const };
        expect(await deliverRows(resent, relay.deliver, { dequeueCount: 1 })).toMatchObject({
            calls: 0,
            skippedParts: 1,
        });
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId)!;
        expect(dataset.tables[0]!.rows?.map((row) => row.ProductID).sort()).toEqual([0, 1, 2]);
    });

    it('companions whose calls may still be in flight go back for later, and gathering ends', async () => {
        const { relay } = await bed.newRelay({ POWERBI_TIMEOUT_MS: '1000' }, configWith({ markerColumn: 'Batch' }));
        await deliverRows(productMessage([product(0)]), relay.deliver, { dequeueCount: 1 });
        // More than a receive brings (32), each with an intent of a call neither answered nor ended.
        const waiting = Array.from({ length: 40 }, (_, index) =>
            productMessage([product(100 + index)], { requeued: true }),
        );
        for (const companion of waiting) {
            await relay.deliver.ledger.recordIntent([{ ingestionId: companion.ingestionId, part: 0, rows: 1 }], {
                callId: `in-flight-${companion.ingestionId}`,
                callRows: 1,
            });
            await relay.deliver.queue.send(companion);
        }
        const report = await deliverRows(productMessage([product(1)]), relay.deliver, { dequeueCount: 1 });
        // Pushed alone: none of them was taken along (counted before its deadline, it could show none of its rows).
        expect(report).toMatchObject({ calls: 1, rowsPushed: 1, packed: 0 });
        // Each went back hidden until its call's deadline, not at once for the next receive to take again.
        const queue = new QueueClient(bed.azurite.connectionString, relay.settings.ROWS_QUEUE);
        expect((await queue.getProperties()).approximateMessagesCount).toBe(40);
        expect(await bed.drain(relay.settings.ROWS_QUEUE)).toEqual([]);
    });

    it('a call left pending by an instance that may still run it is counted only after its deadline', async () => {
        const { relay } = await bed.newRelay({ POWERBI_TIMEOUT_MS: '1000' }, configWith({ markerColumn: 'Batch' }));
        await deliverRows(productMessage([product(0)]), relay.deliver, { dequeueCount: 1 });
        const message = productMessage([product(1)]);
        // Recorded as an instance does before its call, and neither answered nor ended (it runs on, or it died).
        await relay.deliver.ledger.recordIntent([{ ingestionId: message.ingestionId, part: 0, rows: 1 }], {
            callId: 'in-flight',
            callRows: 1,
        });
        await bed.emulator.clearRequests();
        const report = await deliverRows(message, relay.deliver, { dequeueCount: 2 });
        expect(report).toMatchObject({ calls: 0, verifiedParts: 0, rescheduled: { inFlight: 1 } });
        expect(report.delaySeconds).toBeGreaterThan(relay.deliver.callDeadlineSeconds - 5);
        expect(report.delaySeconds).toBeLessThanOrEqual(relay.deliver.callDeadlineSeconds);
        expect(await bed.emulator.requests()).toEqual([]);
        // Past the deadline it is counted (none stored) and pushed once.
        const later = { ...relay.deliver, now: () => new Date(Date.now() + relay.deliver.callDeadlineSeconds * 1000) };
        expect(await deliverRows(message, later, { dequeueCount: 3 })).toMatchObject({ calls: 1, rowsPushed: 1 });
    });
});
