import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverRows } from '../../src/push/deliverRows';
import type { Relay } from '../../src/runtime/relay';
import { productMessage, relayClientId, startRelayTestBed, type RelayTestBed } from './relayTestBed';

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

describe('deliverRows against the Power BI emulator and Azurite', () => {
    it('creates the dataset from the config as the walkthrough does, then reuses it', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        const first = await deliverRows(productMessage([product(1, 'a')]), relay.deliver);
        const second = await deliverRows(productMessage([product(2, 'a')]), relay.deliver);
        expect(first).toMatchObject({ kind: 'delivered', rows: 1, parts: 1 });
        expect(second).toMatchObject({ kind: 'delivered', rows: 1, parts: 1 });
        expect((await pushedRows(workspaceId)).map((r) => r.ProductID)).toEqual([1, 2]);
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
        const outcome = await deliverRows(
            productMessage([], { rows: undefined, blob, rowCount: rows.length }),
            relay.deliver,
        );
        expect(outcome).toMatchObject({ kind: 'delivered', rows: 25_000, parts: 3 });
        expect((await postRowsCalls(workspaceId)).map((r) => r.rows)).toEqual([10_000, 10_000, 5_000]);
        expect(await pushedRows(workspaceId)).toHaveLength(25_000);
        expect(await relay.deliver.blobs.get(blob)).toBeUndefined();
    });

    it('does not append rows twice when the same message is delivered again', async () => {
        const { relay, workspaceId } = await bed.newRelay({ PUSH_MAX_ROWS_PER_POST: '2' });
        const message = productMessage([product(1, 'r'), product(2, 'r'), product(3, 'r')]);
        expect(await deliverRows(message, relay.deliver)).toMatchObject({ kind: 'delivered', parts: 2 });
        expect(await deliverRows(message, relay.deliver)).toMatchObject({
            kind: 'delivered',
            parts: 0,
            skippedParts: 2,
        });
        expect(await pushedRows(workspaceId)).toHaveLength(3);
        expect(await postRowsCalls(workspaceId)).toHaveLength(2);
    });

    it('reschedules the remaining parts after Retry-After on 429 without spending an attempt', async () => {
        const { relay, workspaceId } = await bed.newRelay({ PUSH_MAX_ROWS_PER_POST: '2' });
        await deliverRows(productMessage([product(0, 'warm-up')]), relay.deliver);
        await bed.emulator.updateLimits({ maxPostRowsRequestsPerMinute: 2 });
        try {
            const message = productMessage([product(1, 't'), product(2, 't'), product(3, 't')]);
            const outcome = await deliverRows(message, relay.deliver);
            // The first part used the last request of the minute; the second was throttled until the warm-up leaves the window.
            expect(outcome).toMatchObject({ kind: 'rescheduled', reason: 'throttled', part: 1, attempt: 0 });
            if (outcome.kind === 'rescheduled') expect(outcome.delaySeconds).toBeGreaterThan(50);
            expect(await approximateCount(relay)).toBe(1);
            expect((await bed.queue(relay.settings.ROWS_QUEUE).peekMessages()).peekedMessageItems).toHaveLength(0);
            expect((await pushedRows(workspaceId)).map((r) => r.ProductID)).toEqual([0, 1, 2]);
        } finally {
            await bed.emulator.updateLimits({ maxPostRowsRequestsPerMinute: 120 });
        }
    });

    it('reschedules a 503 with back-off and one more attempt, and gives up into the poison queue after the last', async () => {
        const { relay } = await bed.newRelay({ PUSH_MAX_ATTEMPTS: '3', PUSH_RETRY_BASE_SECONDS: '4' });
        await deliverRows(productMessage([product(0, 'warm-up')]), relay.deliver);
        await bed.emulator.injectFaults({ operation: 'postRows', kind: 'status', status: 503, count: 2 });
        const message = productMessage([product(1, 'u')]);
        const first = await deliverRows(message, relay.deliver);
        expect(first).toMatchObject({ kind: 'rescheduled', reason: 'transient', attempt: 1 });
        if (first.kind === 'rescheduled') expect(first.delaySeconds).toBeGreaterThanOrEqual(2);
        const last = await deliverRows({ ...message, attempt: 2 }, relay.deliver);
        expect(last).toMatchObject({
            kind: 'poisoned',
            reason: { status: 503, message: expect.stringMatching(/^Gave up after 3 attempts/) },
        });
        const [poisoned] = await bed.drain(`${relay.settings.ROWS_QUEUE}-poison`);
        expect(poisoned).toMatchObject({
            ingestionId: message.ingestionId,
            rows: [product(1, 'u')],
            failure: { status: 503 },
        });
    });

    it('sends rows Power BI rejects for good (schema mismatch) to the poison queue with the service answer', async () => {
        const { relay, workspaceId } = await bed.newRelay();
        await deliverRows(productMessage([product(0, 'warm-up')]), relay.deliver);
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
        const outcome = await deliverRows(message, relay.deliver);
        expect(outcome).toMatchObject({ kind: 'poisoned', reason: { status: 400 } });
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
        const outcome = await deliverRows(productMessage([product(1, 'n')]), relay.deliver);
        expect(outcome).toMatchObject({
            kind: 'poisoned',
            reason: { message: expect.stringContaining('is not a push dataset') },
        });
    });

    it('retries with back-off when the identity has no role in the workspace', async () => {
        const { relay } = await bed.newRelay({ AZURE_CLIENT_ID: '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d' });
        const outcome = await deliverRows(productMessage([product(1, 'x')]), relay.deliver);
        expect(outcome).toMatchObject({
            kind: 'rescheduled',
            reason: 'unauthorized',
            attempt: 1,
            failure: { status: 401 },
        });
    });
});
