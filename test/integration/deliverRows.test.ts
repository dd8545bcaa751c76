import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverRows, type DeliveryReport } from '../../src/push/deliverRows';
import { createRelay } from '../../src/runtime/relay';
import type { Relay } from '../../src/runtime/relay';
import { productConfig, productMessage, relayClientId, startRelayTestBed, type RelayTestBed } from './relayTestBed';

/** The first delivery of a message the relay never sent back; a redelivery is received a second time. */
const fresh = { dequeueCount: 1 };
const again = { dequeueCount: 2 };

let bed: RelayTestBed;
beforeAll(async () => {
    bed = await startRelayTestBed();
});
afterAll(async () => {
    await bed?.close();
});

const product = (id: number, tag: string) => ({
    ProductID: id,
    Name: tag,
    Category: 'Components',
    IsCompete: true,
    ManufacturedOn: '2014-07-30T00:00:00.000Z',
});

async function pushedRows(workspaceId: string) {
    const datasets = await bed.emulator.datasets();
    const dataset = datasets.find((d) => d.workspaceId === workspaceId && d.name === 'SalesMarketing');
    return dataset?.tables.find((t) => t.name === 'Product')?.rows ?? [];
}

async function postRowsCalls(workspaceId: string) {
    const requests = await bed.emulator.requests();
    return requests.filter((r) => r.operation === 'postRows' && r.path.includes(workspaceId));
}

async function approximateCount(relay: Relay) {
    return (await bed.queue(relay.settings.ROWS_QUEUE).getProperties()).approximateMessagesCount ?? 0;
}

const visible = async (relay: Relay) =>
    (await bed.queue(relay.settings.ROWS_QUEUE).peekMessages({ numberOfMessages: 32 })).peekedMessageItems;

/** Which of several instances gets a slot is theirs to race for: reports in the order of rows pushed. */
const byRowsPushed = (reports: DeliveryReport[]) => [...reports].sort((a, b) => a.rowsPushed - b.rowsPushed);

const ids = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r.ProductID)).sort((a, b) => a - b);

/** Creates the dataset, so later calls are Add Rows only. */
async function warmUp(relay: Relay) {
    await deliverRows(productMessage([product(0, 'warm-up')]), { ...relay.deliver, packMessages: 0 }, fresh);
}

async function withLimits(limits: Parameters<RelayTestBed['emulator']['updateLimits']>[0], run: () => Promise<void>) {
    await bed.emulator.updateLimits(limits);
    try {
        await run();
    } finally {
        await bed.emulator.updateLimits(defaults);
    }
}
const defaults = {
    maxPostRowsRequestsPerMinute: 120,
    maxStringLength: 4000,
    slowdownTableRows: 250_000,
    maxPostRowsRequestsPerHourAfterSlowdown: 120,
};

describe('deliverRows against the Power BI emulator and Azurite', () => {
    it('creates the dataset from the config as the walkthrough does, then reuses it', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        const first = await deliverRows(productMessage([product(1, 'a')]), relay.deliver, fresh);
        const second = await deliverRows(productMessage([product(2, 'a')]), relay.deliver, fresh);
        expect(first).toMatchObject({ calls: 1, rowsPushed: 1, poisoned: [] });
        expect(second).toMatchObject({ calls: 1, rowsPushed: 1, poisoned: [] });
        expect(ids(await pushedRows(workspaceId))).toEqual([1, 2]);
        const creates = (await bed.emulator.requests()).filter(
            (r) => r.operation === 'createDataset' && r.path.includes(workspaceId),
        );
        expect(creates).toHaveLength(1);
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId);
        expect(dataset).toMatchObject({ kind: 'push', defaultRetentionPolicy: 'basicFIFO' });
    });

    it('pushes a claim-check ingestion in parts of at most 10,000 rows and removes its blob', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        const rows = Array.from({ length: 25_000 }, (_, i) => product(i, 'big'));
        const blob = `${randomUUID()}.json`;
        await relay.deliver.blobs.put(blob, JSON.stringify(rows));
        const report = await deliverRows(
            productMessage([], { rows: undefined, blob, rowCount: rows.length }),
            relay.deliver,
            fresh,
        );
        expect(report).toMatchObject({ calls: 3, rowsPushed: 25_000 });
        expect((await postRowsCalls(workspaceId)).map((r) => r.rows)).toEqual([10_000, 10_000, 5_000]);
        expect(await pushedRows(workspaceId)).toHaveLength(25_000);
        expect(await relay.deliver.blobs.get(blob)).toBeUndefined();
    });

    it('does not append rows twice when the same message is delivered again', async () => {
        const { relay, workspaceId } = await bed.newRelay({ PUSH_MAX_ROWS_PER_POST: '2' });
        const message = productMessage([product(1, 'r'), product(2, 'r'), product(3, 'r')]);
        expect(await deliverRows(message, relay.deliver, fresh)).toMatchObject({ calls: 2, rowsPushed: 3 });
        expect(await deliverRows(message, relay.deliver, again)).toMatchObject({
            calls: 0,
            rowsPushed: 0,
            skippedParts: 2,
        });
        expect(await pushedRows(workspaceId)).toHaveLength(3);
        expect(await postRowsCalls(workspaceId)).toHaveLength(2);
    });

    it('packs every queued request of the table into one Add Rows call, each recorded in the ledger', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await warmUp(relay);
        const queued = Array.from({ length: 40 }, (_, i) => productMessage([product(10 + i, 'c')]));
        const blob = `${randomUUID()}.json`;
        await relay.deliver.blobs.put(blob, JSON.stringify([product(60, 'b'), product(61, 'b')]));
        queued.push(productMessage([], { rows: undefined, blob, rowCount: 2 }));
        for (const m of queued) await relay.deliver.queue.send(m);
        const first = productMessage([product(1, 'c'), product(2, 'c')]);
        const report = await deliverRows(first, relay.deliver, fresh);
        expect(report).toMatchObject({ calls: 1, rowsPushed: 44, packed: 41, poisoned: [] });
        expect((await postRowsCalls(workspaceId)).map((r) => r.rows)).toEqual([1, 44]);
        expect(ids(await pushedRows(workspaceId))).toEqual([
            0,
            1,
            2,
            ...Array.from({ length: 40 }, (_, i) => 10 + i),
            60,
            61,
        ]);
        expect(await approximateCount(relay)).toBe(0);
        expect(await relay.deliver.blobs.get(blob)).toBeUndefined();
        for (const m of [first, ...queued])
            expect((await relay.deliver.ledger.partsOf(m.ingestionId)).pushed).toEqual(new Set([0]));
    });

    it('sends messages of other tables back as new messages, visible at once and with no dequeue counted', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await warmUp(relay);
        const other = productMessage([product(20, 'o')], { table: 'Other' });
        await relay.deliver.queue.send(other);
        const report = await deliverRows(productMessage([product(1, 'o')]), relay.deliver, fresh);
        expect(report).toMatchObject({ calls: 1, rowsPushed: 1, packed: 0 });
        const [back] = await visible(relay);
        expect(back?.dequeueCount).toBe(0);
        expect(ids(await pushedRows(workspaceId))).toEqual([0, 1]);
    });

    it('does not push a queued request again that the ledger already holds (sent back after it was pushed)', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await warmUp(relay);
        const done = productMessage([product(30, 'd')], { requeued: true });
        await relay.deliver.ledger.recordParts([{ ingestionId: done.ingestionId, part: 0, rows: 1 }]);
        await relay.deliver.queue.send(done);
        const report = await deliverRows(productMessage([product(31, 'd')]), relay.deliver, fresh);
        expect(report).toMatchObject({ calls: 1, rowsPushed: 1, skippedParts: 1 });
        expect(ids(await pushedRows(workspaceId))).toEqual([0, 31]);
        expect(await approximateCount(relay)).toBe(0);
    });

    it('on an unpredicted 429 sends every packed request back for Retry-After, attempts unchanged, and waits before the next call', async () => {
        const { relay } = await bed.newRelay({ PUSH_MAX_LEAD_WAIT_MS: '1000' });
        await warmUp(relay);
        await relay.deliver.queue.send(productMessage([product(40, 't')]));
        await bed.emulator.injectFaults({
            operation: 'postRows',
            kind: 'status',
            status: 429,
            retryAfterSeconds: 30,
            count: 1,
        });
        const report = await deliverRows(productMessage([product(41, 't')]), relay.deliver, fresh);
        expect(report).toMatchObject({ calls: 1, rowsPushed: 0, rescheduled: { throttled: 2 }, delaySeconds: 30 });
        expect(await approximateCount(relay)).toBe(2);
        expect(await visible(relay)).toHaveLength(0);
        // The governor learnt the Retry-After: the next message waits without calling Power BI.
        const next = await deliverRows(productMessage([product(42, 't')]), relay.deliver, fresh);
        expect(next).toMatchObject({ calls: 0, rescheduled: { paced: 1 } });
        expect(next.delaySeconds).toBeGreaterThan(25);
    });

    it('isolates a request whose row Power BI refuses: it alone is poisoned, the others arrive', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await warmUp(relay);
        await withLimits({ maxStringLength: 10 }, async () => {
            const good = Array.from({ length: 14 }, (_, i) => productMessage([product(100 + i, 'ok')]));
            const bad = productMessage([product(99, 'x'.repeat(20))]);
            for (const m of [...good.slice(0, 7), bad, ...good.slice(7)]) await relay.deliver.queue.send(m);
            const report = await deliverRows(productMessage([product(98, 'ok')]), relay.deliver, fresh);
            expect(report.poisoned).toHaveLength(1);
            expect(report.rowsPushed).toBe(15);
            expect(ids(await pushedRows(workspaceId))).toEqual([
                0,
                98,
                ...Array.from({ length: 14 }, (_, i) => 100 + i),
            ]);
            const poisoned = (await bed.drain(`${relay.settings.ROWS_QUEUE}-poison`)) as { ingestionId: string }[];
            expect(poisoned.map((p) => p.ingestionId)).toEqual([bad.ingestionId]);
            // Halving finds one bad request among 16 in at most 2·log2(16) + 1 calls.
            expect(report.calls).toBeLessThanOrEqual(9);
            expect(await approximateCount(relay)).toBe(0);
        });
    });

    it.each(['envelope', 'plain'] as const)(
        'reschedules after Retry-After on a 429 whose body is the %s form, without spending an attempt',
        async (body) => {
            const { relay, workspaceId } = await bed.newRelay();
            await warmUp(relay);
            await bed.emulator.injectFaults({
                operation: 'postRows',
                kind: 'status',
                status: 429,
                retryAfterSeconds: 42,
                body,
            });
            const report = await deliverRows(productMessage([product(1, body)]), relay.deliver, fresh);
            expect(report).toMatchObject({ calls: 1, rowsPushed: 0, rescheduled: { throttled: 1 }, delaySeconds: 42 });
            expect((await pushedRows(workspaceId)).map((r) => r.ProductID)).toEqual([0]);
        },
    );

    it('reschedules a 503 with back-off and one more attempt, and gives up into the poison queue after the last', async () => {
        const { relay } = await bed.newRelay({ PUSH_MAX_ATTEMPTS: '3', PUSH_RETRY_BASE_SECONDS: '4' });
        await warmUp(relay);
        await bed.emulator.injectFaults({ operation: 'postRows', kind: 'status', status: 503, count: 2 });
        const message = productMessage([product(1, 'u')]);
        const first = await deliverRows(message, relay.deliver, fresh);
        expect(first).toMatchObject({ rescheduled: { transient: 1 }, lastFailure: { status: 503 } });
        expect(first.delaySeconds).toBeGreaterThanOrEqual(2);
        expect(await approximateCount(relay)).toBe(1);
        // As the relay sends it back: marked requeued, so its delivery reads the ledger (the 503 left the intent pending).
        const last = await deliverRows({ ...message, attempt: 2, requeued: true }, relay.deliver, fresh);
        expect(last.poisoned).toEqual([
            expect.objectContaining({ status: 503, message: expect.stringMatching(/^Gave up after 3 attempts/) }),
        ]);
        const [poisoned] = await bed.drain(`${relay.settings.ROWS_QUEUE}-poison`);
        expect(poisoned).toMatchObject({
            ingestionId: message.ingestionId,
            rows: [product(1, 'u')],
            failure: { status: 503 },
        });
    });

    it('sends rows Power BI rejects for good (schema mismatch) to the poison queue with the service answer', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await warmUp(relay);
        const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId)!;
        // Someone changes the table in Power BI: ProductID becomes a string column.
        const token = (await bed.emulator.issueToken({ principalId: relayClientId })).access_token;
        const put = await fetch(
            `${bed.emulator.url}/v1.0/myorg/groups/${workspaceId}/datasets/${dataset.id}/tables/Product`,
            {
                method: 'PUT',
                headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
                body: JSON.stringify({
                    name: 'Product',
                    columns: [
                        { name: 'ProductID', dataType: 'String' },
                        { name: 'Name', dataType: 'String' },
                    ],
                }),
            },
        );
        expect(put.status).toBe(200);
        const message = productMessage([product(5, 'p')]);
        const report = await deliverRows(message, relay.deliver, fresh);
        expect(report.poisoned).toEqual([expect.objectContaining({ status: 400 })]);
        const [poisoned] = (await bed.drain(`${relay.settings.ROWS_QUEUE}-poison`)) as {
            failure: Record<string, unknown>;
        }[];
        expect(poisoned).toMatchObject({ ingestionId: message.ingestionId, rowCount: 1 });
        expect(poisoned!.failure).toMatchObject({
            status: 400,
            code: expect.any(String),
            message: expect.any(String),
            requestId: expect.any(String),
        });
    });

    it('refuses to push into a same-named dataset that is not a push dataset', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await bed.emulator.createModel({ workspaceId, name: 'SalesMarketing', tables: [{ name: 'Product' }] });
        const report = await deliverRows(productMessage([product(1, 'n')]), relay.deliver, fresh);
        expect(report.poisoned).toEqual([
            expect.objectContaining({ message: expect.stringContaining('is not a push dataset') }),
        ]);
    });

    it('retries with back-off when the identity has no role in the workspace', async () => {
        const { relay } = await bed.newRelay({ AZURE_CLIENT_ID: '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d' });
        const report = await deliverRows(productMessage([product(1, 'x')]), relay.deliver, fresh);
        expect(report).toMatchObject({ calls: 0, rescheduled: { unauthorized: 1 }, lastFailure: { status: 401 } });
    });
});

describe('the shared Add Rows budget', () => {
    it('spaces calls to the per-minute budget instead of running into 429s', async () => {
        const { relay, workspaceId } = await bed.newRelay({
            PUSH_MAX_CALLS_PER_MINUTE: '3',
            PUSH_COALESCE_MESSAGES: '0',
        });
        await withLimits({ maxPostRowsRequestsPerMinute: 3 }, async () => {
            const reports = [];
            for (let i = 0; i < 6; i++)
                reports.push(await deliverRows(productMessage([product(i, 's')]), relay.deliver, fresh));
            // 20 s apart: the first call goes at once, the others wait for their slot in the queue.
            expect(reports[0]).toMatchObject({ calls: 1, rowsPushed: 1 });
            for (const paced of reports.slice(1)) {
                expect(paced).toMatchObject({ calls: 0, rowsPushed: 0, rescheduled: { paced: 1 } });
                expect(paced.delaySeconds).toBeGreaterThanOrEqual(1);
            }
            const calls = await postRowsCalls(workspaceId);
            expect(calls.filter((c) => c.status === 429)).toHaveLength(0);
        });
    });

    it("an instance's messages waiting for a distant slot all go in the one call that gets it", async () => {
        const { relay, workspaceId } = await bed.newRelay({
            PUSH_MAX_CALLS_PER_MINUTE: '20',
            PUSH_MAX_SLOT_WAIT_MS: '100',
            PUSH_MAX_LEAD_WAIT_MS: '10000',
        });
        await warmUp(relay);
        // Three invocations of one instance, whose messages the host holds out of the queue; the next slot is 3 s away.
        const reports = await Promise.all(
            [1, 2, 3].map((i) => deliverRows(productMessage([product(i, 'l')]), relay.deliver, fresh)),
        );
        expect(reports.filter((r) => r.handedOver)).toHaveLength(2);
        expect(reports.find((r) => r.calls === 1)).toMatchObject({ rowsPushed: 3, packed: 2 });
        const calls = await postRowsCalls(workspaceId);
        expect(calls.map((c) => c.rows)).toEqual([1, 3]);
        expect(ids(await pushedRows(workspaceId))).toEqual([0, 1, 2, 3]);
        expect(await approximateCount(relay)).toBe(0);
    });

    it('waiting messages of two tables of one dataset each go in a call to their own table', async () => {
        // Product and a second table of the same dataset: one slot line per dataset put both in one call, to one table.
        const [dataset] = productConfig.datasets;
        const [productTable] = dataset!.tables;
        const { relay, workspaceId } = await bed.newRelay(
            { PUSH_MAX_CALLS_PER_MINUTE: '20', PUSH_MAX_SLOT_WAIT_MS: '100', PUSH_MAX_LEAD_WAIT_MS: '10000' },
            { datasets: [{ ...dataset, tables: [productTable, { ...productTable, name: 'Archive' }] }] },
        );
        await warmUp(relay);
        await Promise.all(
            [1, 2, 3, 4].map((i) =>
                deliverRows(
                    productMessage([product(i, 'l')], i % 2 === 0 ? { table: 'Archive' } : {}),
                    relay.deliver,
                    fresh,
                ),
            ),
        );
        const datasets = await bed.emulator.datasets();
        const tables = datasets.find((d) => d.workspaceId === workspaceId && d.name === 'SalesMarketing')!.tables;
        const tableIds = (name: string) => ids(tables.find((t) => t.name === name)?.rows ?? []);
        expect(tableIds('Product')).toEqual([0, 1, 3]);
        expect(tableIds('Archive')).toEqual([2, 4]);
    });

    it('two instances pushing to a dataset that does not exist yet create it once', async () => {
        // Calls 30 s apart: whichever instance gets the slot pushes, the other two hand their rows back.
        const { relay, env, workspaceId } = await bed.newRelay({
            PUSH_MAX_CALLS_PER_MINUTE: '2',
            PUSH_COALESCE_MESSAGES: '0',
        });
        const instances = [relay, createRelay(env), createRelay(env)];
        const reports = await Promise.all(
            instances.map((instance, i) => deliverRows(productMessage([product(i, 'm')]), instance.deliver, fresh)),
        );
        expect(byRowsPushed(reports)).toMatchObject([
            { calls: 0, rowsPushed: 0, rescheduled: { paced: 1 } },
            { calls: 0, rowsPushed: 0, rescheduled: { paced: 1 } },
            { calls: 1, rowsPushed: 1 },
        ]);
        const creates = (await bed.emulator.requests()).filter(
            (r) => r.operation === 'createDataset' && r.path.includes(workspaceId),
        );
        expect(creates).toHaveLength(1);
        expect((await bed.emulator.datasets()).filter((d) => d.workspaceId === workspaceId)).toHaveLength(1);
    });

    it('instances share one budget: three instances at once stay within the per-minute calls', async () => {
        const { relay, env, workspaceId } = await bed.newRelay({
            PUSH_MAX_CALLS_PER_MINUTE: '2',
            PUSH_COALESCE_MESSAGES: '0',
        });
        await withLimits({ maxPostRowsRequestsPerMinute: 2 }, async () => {
            const instances = [relay, createRelay(env), createRelay(env)];
            const reports = await Promise.all(
                instances.map((instance, i) =>
                    deliverRows(productMessage([product(i + 1, 'i')]), instance.deliver, fresh),
                ),
            );
            // Calls are 30 s apart: one instance calls, the other two hand their rows back until their slot.
            expect(byRowsPushed(reports)).toMatchObject([
                { calls: 0, rowsPushed: 0, rescheduled: { paced: 1 } },
                { calls: 0, rowsPushed: 0, rescheduled: { paced: 1 } },
                { calls: 1, rowsPushed: 1 },
            ]);
            expect((await postRowsCalls(workspaceId)).filter((c) => c.status === 429)).toHaveLength(0);
        });
    });

    it('past the 250,000-row cliff (lowered here) spaces calls to the hourly budget and packs what is queued', async () => {
        const { relay, workspaceId } = await bed.newRelay(
            { PUSH_CLIFF_TABLE_ROWS: '3', PUSH_MAX_CALLS_PER_HOUR_PAST_CLIFF: '2' },
            { datasets: [{ ...productConfig.datasets[0], defaultRetentionPolicy: 'None' }] },
        );
        await withLimits({ slowdownTableRows: 3, maxPostRowsRequestsPerHourAfterSlowdown: 2 }, async () => {
            await deliverRows(
                productMessage([product(1, 'c'), product(2, 'c'), product(3, 'c')]),
                relay.deliver,
                fresh,
            );
            const first = await deliverRows(productMessage([product(4, 'c')]), relay.deliver, fresh);
            // The table now holds 3 rows: the second call of the hour is 30 minutes after the first.
            expect(first).toMatchObject({ calls: 0, rescheduled: { paced: 1 } });
            expect(first.delaySeconds).toBeGreaterThan(25 * 60);
            expect((await postRowsCalls(workspaceId)).filter((c) => c.status === 429)).toHaveLength(0);
        });
    });
});
