import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRows, type IngestRequest } from '../../src/ingest/ingestRows';
import { createRowsQueue } from '../../src/queue/rowsQueue';
import type { Relay } from '../../src/runtime/relay';
import { startRelayTestBed, type RelayTestBed } from './relayTestBed';

let bed: RelayTestBed;
let relay: Relay;
beforeAll(async () => {
    bed = await startRelayTestBed();
    ({ relay } = await bed.newRelay({ INGEST_MAX_BODY_BYTES: String(8 * 1024 * 1024) }));
});
afterAll(async () => {
    await bed?.close();
});

const request = (
    body: string | Uint8Array,
    overrides: Partial<IngestRequest> = {},
    headers: Record<string, string | undefined> = {},
): IngestRequest => ({
    dataset: 'SalesMarketing',
    table: 'Product',
    headers: Object.fromEntries(
        Object.entries({ 'content-type': 'application/json; charset=utf-8', ...headers }).filter(
            (entry): entry is [string, string] => entry[1] !== undefined,
        ),
    ),
    body: [typeof body === 'string' ? new TextEncoder().encode(body) : body],
    ...overrides,
});
const product = (id: number) => ({
    ProductID: id,
    Name: `Product ${id}`,
    Category: 'Components',
    IsCompete: false,
    ManufacturedOn: '2014-07-30',
});

describe('ingestRows with a real queue and blob container', () => {
    it('commits a small request as one inline message with the rows normalised', async () => {
        const outcome = await ingestRows(request(JSON.stringify({ rows: [product(1), product(2)] })), relay.ingest);
        expect(outcome).toMatchObject({ kind: 'accepted', rows: 2, claimCheck: false });
        const messages = await bed.drain(relay.settings.ROWS_QUEUE);
        expect(messages).toEqual([
            expect.objectContaining({
                version: 1,
                dataset: 'SalesMarketing',
                table: 'Product',
                rowCount: 2,
                part: 0,
                attempt: 0,
                rows: [
                    { ...product(1), ManufacturedOn: '2014-07-30T00:00:00.000Z' },
                    { ...product(2), ManufacturedOn: '2014-07-30T00:00:00.000Z' },
                ],
            }),
        ]);
    });

    it('commits 50,000 rows as one message whose rows wait in a claim-check blob', async () => {
        const rows = Array.from({ length: 50_000 }, (_, i) => product(i));
        const outcome = await ingestRows(request(JSON.stringify({ rows })), relay.ingest);
        expect(outcome).toMatchObject({ kind: 'accepted', rows: 50_000, claimCheck: true });
        const messages = (await bed.drain(relay.settings.ROWS_QUEUE)) as { blob: string; rowCount: number }[];
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatchObject({ rowCount: 50_000, blob: expect.stringMatching(/\.json$/) });
        expect(await relay.ingest.blobs.get(messages[0]!.blob)).toHaveLength(50_000);
    });

    it.each([
        ['bad JSON', request('{"rows": ['), 400, 'InvalidJson'],
        ['a body that is not Add Rows', request('{"row": []}'), 400, 'InvalidBody'],
        ['empty rows', request('{"rows": []}'), 400, 'NoRows'],
        [
            'a bad value',
            request(JSON.stringify({ rows: [product(1), { ...product(2), IsCompete: 'yes' }] })),
            400,
            'InvalidRows',
        ],
        [
            'a non-JSON content type',
            request('{"rows":[]}', {}, { 'content-type': 'text/plain' }),
            415,
            'UnsupportedMediaType',
        ],
        ['no content type', request('{"rows":[]}', {}, { 'content-type': undefined }), 415, 'UnsupportedMediaType'],
        [
            'a declared length over the limit',
            request('{}', {}, { 'content-length': String(9 * 1024 * 1024) }),
            413,
            'RequestTooLarge',
        ],
        ['a body over the limit', request(new Uint8Array(8 * 1024 * 1024 + 1)), 413, 'RequestTooLarge'],
        ['an unknown dataset', request('{"rows":[]}', { dataset: 'Nope' }), 404, 'DatasetNotFound'],
        ['a table in the wrong case', request('{"rows":[]}', { table: 'product' }), 404, 'TableNotFound'],
        ['bytes that are not UTF-8', request(new Uint8Array([0x7b, 0xff, 0x7d])), 400, 'InvalidJson'],
    ])('rejects %s and enqueues nothing', async (_name, ingest, status, code) => {
        const outcome = await ingestRows(ingest, relay.ingest);
        expect(outcome).toMatchObject({ kind: 'rejected', status, code });
        expect(await bed.drain(relay.settings.ROWS_QUEUE)).toEqual([]);
    });

    it('names each bad row by index, column and reason', async () => {
        const outcome = await ingestRows(
            request(
                JSON.stringify({ rows: [product(1), { ...product(2), ProductID: 2.5 }, { Name: 'x', Color: 'red' }] }),
            ),
            relay.ingest,
        );
        expect(outcome).toEqual({
            kind: 'rejected',
            status: 400,
            code: 'InvalidRows',
            message: '2 of 3 rows are invalid; nothing was enqueued',
            invalidRows: 2,
            rowErrors: [
                { row: 1, column: 'ProductID', reason: 'must be a whole JSON number (Int64)' },
                { row: 2, column: 'Color', reason: 'is not a column of table "Product" (names are case-sensitive)' },
                { row: 2, column: 'ProductID', reason: 'is required' },
            ],
        });
    });

    it('names bad rows by their index in the whole request when a large request is checked in slices', async () => {
        const rows: unknown[] = Array.from({ length: 2_500 }, (_, i) => product(i));
        rows[5] = { ...product(5), ProductID: 'five' };
        rows[1_700] = { ...product(1_700), IsCompete: 'yes' };
        const outcome = await ingestRows(request(JSON.stringify({ rows })), relay.ingest);
        expect(outcome).toMatchObject({
            kind: 'rejected',
            code: 'InvalidRows',
            invalidRows: 2,
            rowErrors: [
                { row: 5, column: 'ProductID' },
                { row: 1_700, column: 'IsCompete' },
            ],
        });
        expect(await bed.drain(relay.settings.ROWS_QUEUE)).toEqual([]);
    });

    it('answers unavailable, not accepted, when Storage cannot take the message', async () => {
        const unreachable = QueueServiceClient.fromConnectionString(
            bed.azurite.connectionString.replace(
                /QueueEndpoint=http:\/\/127\.0\.0\.1:\d+/,
                'QueueEndpoint=http://127.0.0.1:9',
            ),
            { retryOptions: { maxTries: 1 } },
        );
        const outcome = await ingestRows(request(JSON.stringify({ rows: [product(1)] })), {
            ...relay.ingest,
            queue: createRowsQueue(unreachable, 'unreachable'),
        });
        expect(outcome).toMatchObject({
            kind: 'unavailable',
            // A failed send may have been stored (a timeout, or one of the SDK's own tries): the answer does not say it was not.
            message: expect.stringMatching(
                /^Storage did not confirm the enqueue, so the rows may or may not be enqueued/,
            ),
            detail: expect.stringContaining('127.0.0.1:9'),
            mayBeEnqueued: true,
        });
    });
});
