import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostLogEntry } from '../../local/host/startLocalHost';
import { startRelayLocally, type LocalRelay } from '../../local/startRelayLocally';
import { fromQueueText, toQueueText } from '../../src/queue/rowsMessage';
import { waitFor } from '../support/waitFor';

/** The same app, settings and demo workspace `npm start` runs, on free ports (the app is the build in dist/). */
let local: LocalRelay;
const logs: HostLogEntry[] = [];
beforeAll(async () => {
    local = await startRelayLocally({
        appRoot: join(__dirname, '..', '..'),
        port: 0,
        emulatorPort: 0,
        storagePorts: { blob: 0, queue: 0, table: 0 },
        // An emulated minute lasts two real seconds, so a throttled burst waits seconds, not minutes.
        timeScale: 30,
        logger: (entry) => logs.push(entry),
    });
});
afterAll(async () => {
    await local?.close();
});

const rowsUrl = (dataset = 'SalesMarketing', table = 'Product') =>
    `${local.url}/api/datasets/${dataset}/tables/${table}/rows`;
const post = (body: string, contentType = 'application/json', url = rowsUrl()) =>
    fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
const product = (id: number, name: string) => ({
    ProductID: id,
    Name: name,
    Category: 'Components',
    IsCompete: true,
    ManufacturedOn: '2014-07-30T00:00:00Z',
});

async function productRows(name: string) {
    const datasets = await local.emulator.datasets();
    const rows =
        datasets.find((d) => d.name === 'SalesMarketing')?.tables.find((t) => t.name === 'Product')?.rows ?? [];
    return rows.filter((row) => row.Name === name);
}

describe('rows posted to the webhook reach Power BI through the local host', () => {
    it("delivers the walkthrough's Product rows, creating the push dataset on first use", async () => {
        const response = await post(
            JSON.stringify({ rows: [product(1, 'Adjustable Race'), product(2, 'Adjustable Race')] }),
        );
        expect(response.status).toBe(202);
        expect(await response.json()).toEqual({ ingestionId: expect.any(String), rows: 2 });
        const rows = await waitFor(
            async () =>
                (await productRows('Adjustable Race')).length === 2 ? productRows('Adjustable Race') : undefined,
            { timeoutMs: 20_000 },
        );
        expect(rows[0]).toEqual({ ...product(1, 'Adjustable Race'), ManufacturedOn: '2014-07-30T00:00:00.000Z' });
    });

    it('delivers 50,000 rows posted in one request completely, in Add Rows calls of 10,000', async () => {
        const rows = Array.from({ length: 50_000 }, (_, i) => product(100_000 + i, 'bulk'));
        const response = await post(JSON.stringify({ rows }));
        expect(response.status).toBe(202);
        const arrived = await waitFor(async () => ((await productRows('bulk')).length === 50_000 ? true : undefined), {
            timeoutMs: 60_000,
            intervalMs: 250,
        });
        expect(arrived).toBe(true);
        const calls = (await local.emulator.requests()).filter(
            (r) => r.operation === 'postRows' && r.status === 200 && r.rows === 10_000,
        );
        expect(calls).toHaveLength(5);
        expect(new Set((await productRows('bulk')).map((r) => r.ProductID)).size).toBe(50_000);
    });

    it('delivers a burst completely after a 429 it did not predict (another writer), waiting Retry-After', async () => {
        // The relay's own budget never runs into Power BI's limits; a 429 comes from someone else sharing the dataset.
        await local.emulator.injectFaults({
            operation: 'postRows',
            kind: 'status',
            status: 429,
            retryAfterSeconds: 2,
            count: 1,
        });
        const responses = await Promise.all(
            Array.from({ length: 9 }, (_, i) => post(JSON.stringify({ rows: [product(500 + i, 'burst')] }))),
        );
        expect(responses.map((r) => r.status)).toEqual(Array(9).fill(202));
        await waitFor(async () => ((await productRows('burst')).length === 9 ? true : undefined), {
            timeoutMs: 45_000,
            intervalMs: 250,
        });
        const throttled = (await local.emulator.requests()).filter(
            (r) => r.operation === 'postRows' && r.status === 429,
        );
        expect(throttled).toHaveLength(1);
        expect((await productRows('burst')).map((r) => r.ProductID).sort()).toEqual(
            Array.from({ length: 9 }, (_, i) => 500 + i),
        );
        expect(logs.some((entry) => entry.message.includes('pbi-relay rows rescheduled (throttled)'))).toBe(true);
    });

    it('answers bad requests with the documented 4xx and delivers nothing', async () => {
        const before = (await local.emulator.requests()).filter((r) => r.operation === 'postRows').length;
        const cases: [Response, number, string][] = [
            [await post('{"rows": ['), 400, 'InvalidJson'],
            [await post('{"rows": []}'), 400, 'NoRows'],
            [await post(JSON.stringify({ rows: [{ ProductID: 'x', Name: 'bad' }] })), 400, 'InvalidRows'],
            [await post('{"rows":[]}', 'text/csv'), 415, 'UnsupportedMediaType'],
            [await post('{"rows":[]}', 'application/json', rowsUrl('Nope')), 404, 'DatasetNotFound'],
            [await post('{"rows":[]}', 'application/json', rowsUrl('SalesMarketing', 'product')), 404, 'TableNotFound'],
            [await post(JSON.stringify({ rows: [product(1, 'x'.repeat(17 * 1024 * 1024))] })), 413, 'RequestTooLarge'],
        ];
        for (const [response, status, code] of cases) {
            expect({
                status: response.status,
                code: ((await response.json()) as { error: { code: string } }).error.code,
            }).toEqual({ status, code });
        }
        const invalid = await post(JSON.stringify({ rows: [product(1, 'ok'), { ProductID: 1.5, Name: 'bad' }] }));
        expect(await invalid.json()).toEqual({
            error: {
                code: 'InvalidRows',
                message: '1 of 2 rows are invalid; nothing was enqueued',
                invalidRows: 1,
                rowErrors: [{ row: 1, column: 'ProductID', reason: 'must be a whole JSON number (Int64)' }],
            },
        });
        const queue = new QueueClient(local.azurite.connectionString, local.settings.ROWS_QUEUE!);
        expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
        expect((await local.emulator.requests()).filter((r) => r.operation === 'postRows')).toHaveLength(before);
    });

    it('sends rows to the poison queue with the reason when Power BI rejects them (schema changed in Power BI)', async () => {
        const dataset = (await local.emulator.datasets()).find((d) => d.name === 'SalesMarketing')!;
        const token = (await local.emulator.issueToken({ principalId: local.settings.AZURE_CLIENT_ID! })).access_token;
        const tableUrl = `${local.emulator.url}/v1.0/myorg/groups/${dataset.workspaceId}/datasets/${dataset.id}/tables/Product`;
        const changed = await fetch(tableUrl, {
            method: 'PUT',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({
                name: 'Product',
                columns: [
                    { name: 'ProductID', dataType: 'Int64' },
                    { name: 'Name', dataType: 'String' },
                ],
            }),
        });
        expect(changed.status).toBe(200);
        const response = await post(JSON.stringify({ rows: [product(7, 'mismatch')] }));
        const { ingestionId } = (await response.json()) as { ingestionId: string };
        const poison = new QueueClient(local.azurite.connectionString, `${local.settings.ROWS_QUEUE}-poison`);
        const message = await waitFor(
            async () => {
                const peeked = await poison.peekMessages({ numberOfMessages: 32 }).catch(() => undefined);
                return peeked?.peekedMessageItems
                    .map((item) => fromQueueText(item.messageText) as { ingestionId: string; failure: object })
                    .find((m) => m.ingestionId === ingestionId);
            },
            { timeoutMs: 20_000, intervalMs: 200 },
        );
        expect(message).toMatchObject({
            rows: [expect.objectContaining({ ProductID: 7 })],
            failure: { status: 400, code: expect.any(String), message: expect.any(String) },
        });
        expect(await productRows('mismatch')).toEqual([]);
    });

    it('poisons at once, with the reason, a queue message that is not a rows message', async () => {
        const rowsQueueName = local.settings.ROWS_QUEUE!;
        const rowsQueue = new QueueClient(local.azurite.connectionString, rowsQueueName);
        const poison = new QueueClient(local.azurite.connectionString, `${rowsQueueName}-poison`);
        await rowsQueue.sendMessage(toQueueText({ version: 1, marker: 'not rows' }));
        const message = await waitFor(
            async () => {
                const peeked = await poison.peekMessages({ numberOfMessages: 32 }).catch(() => undefined);
                return peeked?.peekedMessageItems
                    .map((item) => fromQueueText(item.messageText) as { raw?: { marker?: string }; failure: object })
                    .find((m) => m.raw?.marker === 'not rows');
            },
            { timeoutMs: 20_000, intervalMs: 200 },
        );
        expect(message.failure).toMatchObject({ message: expect.stringMatching(/^Not a pbi-relay rows message: /) });
        expect(logs.some((entry) => entry.message.includes('pbi-relay rows poisoned'))).toBe(true);
    });
});
