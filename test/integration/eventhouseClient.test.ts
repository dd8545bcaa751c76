import { LosslessNumber } from 'lossless-json';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings, maxIngestBytes } from '../../src/config/settings';
import { createEventhouseClient, type EventhouseClient } from '../../src/eventhouse/eventhouseClient';
import { EventhouseError, type EventhouseFailure } from '../../src/eventhouse/eventhouseFailure';
import { createPowerBiCredential } from '../../src/powerbi/powerBiCredential';
import {
    adminClientId,
    createProductTable,
    fqn,
    productRecord,
    relayClientId,
    startKustoTestBed,
    type KustoTestBed,
} from '../kusto-emulator/support/kustoTestBed';

const db = 'Telemetry';
const scope = 'https://kusto.kusto.windows.net/.default';
const savedEnv = { ...process.env };
let bed: KustoTestBed;
let client: EventhouseClient;

/** The relay's own credential: the managed identity, whose tokens come from the Power BI emulator's /msi/token. */
function relayClient(timeoutMs = 5_000): EventhouseClient {
    const settings = loadSettings({
        ...process.env,
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        POWERBI_WORKSPACE_ID: '00000000-0000-4000-8000-000000000001',
        POWERBI_CREDENTIAL: 'managedIdentity',
        AZURE_CLIENT_ID: relayClientId,
    });
    return createEventhouseClient({
        queryServiceUri: bed.kusto.url,
        credential: createPowerBiCredential(settings),
        scope,
        timeoutMs,
    });
}

beforeAll(async () => {
    bed = await startKustoTestBed('Unused');
    process.env = { ...savedEnv, ...bed.powerBi.env() };
    client = relayClient();
});
afterAll(async () => {
    process.env = savedEnv;
    await bed.close();
});
beforeEach(async () => {
    await bed.kusto.reset();
    await bed.kusto.createDatabase({
        name: db,
        admins: [fqn(adminClientId)],
        ingestors: [fqn(relayClientId)],
        viewers: [fqn(relayClientId)],
    });
    await createProductTable(bed.admin, db);
});

/** The classified failure a call threw. */
async function failureOf(call: Promise<unknown>): Promise<EventhouseFailure> {
    const error = await call.then(
        () => undefined,
        (thrown: unknown) => thrown,
    );
    if (!(error instanceof EventhouseError)) throw new Error(`expected an EventhouseError, got ${String(error)}`);
    return error.failure;
}

const ingestProducts = (ids: string[], options = {}) =>
    client.ingest(
        db,
        'Product',
        'Product_mapping',
        ids.map((id, index) => productRecord(id, index + 1)),
        options,
    );

describe('the Eventhouse client against the Kusto emulator', () => {
    it('ingests MultiJSON, gzipped, with the managed identity token for the Kusto scope', async () => {
        await ingestProducts(['i:0', 'i:1', 'i:2'], { clientRequestId: 'pbi-relay;i' });
        const rows = await bed.kusto.rows(db, 'Product');
        expect(rows.map((row) => row.values.EventId)).toEqual(['i:0', 'i:1', 'i:2']);
        const calls = (await bed.powerBi.requests()).filter((entry) => entry.operation === 'msiToken');
        expect(calls.map((entry) => entry.status)).toEqual([200]);
        const ingest = (await bed.kusto.requests()).find((entry) => entry.operation === 'ingest');
        expect(ingest).toMatchObject({ status: 200, records: 3, clientRequestId: 'pbi-relay;i' });
        expect(ingest?.principal).toBe(`aadapp=${relayClientId};${'00000000-0000-0000-0000-00000000e3e1'}`);
    });

    it('writes exact numbers (LosslessNumbers) as JSON numbers with their digits', async () => {
        await bed.admin.mgmt(db, '.create-merge table Amounts (EventId:string, Amount:decimal, Big:long)');
        const mapping = JSON.stringify([
            { column: 'EventId', path: "$['EventId']", datatype: 'string' },
            { column: 'Amount', path: "$['Amount']", datatype: 'decimal' },
            { column: 'Big', path: "$['Big']", datatype: 'long' },
        ]);
        const created = await bed.admin.mgmt(
            db,
            `.create-or-alter table Amounts ingestion json mapping 'Amounts_json' '${mapping.replace(/'/g, "\\'")}'`,
        );
        expect(created.status).toBe(200);
        await client.ingest(db, 'Amounts', 'Amounts_json', [
            {
                EventId: 'x:0',
                Amount: new LosslessNumber('12345678901234567890.123456789'),
                Big: new LosslessNumber('-9223372036854775808'),
            },
        ]);
        const [row] = await bed.kusto.rows(db, 'Amounts');
        expect(row?.values.Amount).toBe('12345678901234567890.123456789');
        expect(String(row?.values.Big)).toBe('-9223372036854775808');
        // A long column refuses the digits as a JSON string, and a number beyond Int64.
        for (const Big of ['9223372036854775806', new LosslessNumber('9223372036854775808')]) {
            await expect(client.ingest(db, 'Amounts', 'Amounts_json', [{ EventId: 'x:1', Big }])).rejects.toMatchObject(
                {
                    failure: { kind: 'permanent', status: 400 },
                },
            );
        }
    });

    it('queries (v2 primary result) and runs management commands (v1 first table)', async () => {
        await ingestProducts(['q:0', 'q:1']);
        const counted = await client.query(db, `['Product'] | where EventId startswith "q:" | count`);
        expect(counted).toEqual({ columns: [{ name: 'Count', type: 'long' }], rows: [[2]] });
        const tables = await client.management(db, '.show tables');
        expect(tables.columns.map((column) => column.name)).toContain('TableName');
        expect(tables.rows.map((row) => row[0])).toEqual(['Product']);
    });

    it('refuses more than 4 MB of MultiJSON before sending anything', async () => {
        const name = 'n'.repeat(1024);
        const rows = Array.from({ length: Math.ceil(maxIngestBytes / 1024) + 1 }, (_, index) => ({
            ...productRecord(`big:${index}`),
            Name: name,
        }));
        await bed.kusto.clearRequests();
        expect(await failureOf(client.ingest(db, 'Product', 'Product_mapping', rows))).toMatchObject({
            kind: 'permanent',
            status: 413,
        });
        expect(await bed.kusto.requests()).toEqual([]);
    });

    describe('classifies each failure', () => {
        it('429 as throttled, with Retry-After in milliseconds', async () => {
            await bed.kusto.injectFaults({ operation: 'ingest', kind: 'status', status: 429, retryAfterSeconds: 7 });
            expect(await failureOf(ingestProducts(['t:0']))).toMatchObject({
                kind: 'throttled',
                status: 429,
                retryAfterSeconds: 7,
            });
            expect(await bed.kusto.rows(db, 'Product')).toEqual([]);
        });

        it('520 and 503 (@permanent false) as transient', async () => {
            for (const status of [520, 503] as const) {
                await bed.kusto.injectFaults({ operation: 'ingest', kind: 'status', status });
                expect(await failureOf(ingestProducts(['s:0']))).toMatchObject({ kind: 'transient', status });
            }
        });

        it('400 (@permanent true) as permanent, with the OneApiError code and message', async () => {
            const failure = await failureOf(
                client.ingest(db, 'Product', 'Product_mapping', [{ ...productRecord('p:0'), ProductID: 'not a long' }]),
            );
            expect(failure).toMatchObject({ kind: 'permanent', status: 400, code: 'BadRequest_InvalidData' });
            expect(failure.message).toMatch(/ProductID/);
        });

        it('an unknown table or mapping as notFound / permanent', async () => {
            expect(await failureOf(client.ingest(db, 'Nope', 'Nope_json', [{}]))).toMatchObject({
                kind: 'notFound',
                status: 404,
            });
            const mapping = await failureOf(client.ingest(db, 'Product', 'missing', [productRecord('m:0')]));
            expect(['notFound', 'permanent']).toContain(mapping.kind);
        });

        it('a role too low (no Viewer) as unauthorized', async () => {
            await bed.kusto.reset();
            await bed.kusto.createDatabase({
                name: db,
                admins: [fqn(adminClientId)],
                ingestors: [fqn(relayClientId)],
                viewers: [],
            });
            await createProductTable(bed.admin, db);
            expect(await failureOf(client.query(db, `['Product'] | count`))).toMatchObject({
                kind: 'unauthorized',
                status: 403,
            });
        });

        it('a dropped connection, and rows committed before the connection dropped, as outcomeUnknown', async () => {
            await bed.kusto.injectFaults({ operation: 'ingest', kind: 'reset' });
            expect(await failureOf(ingestProducts(['r:0']))).toMatchObject({ kind: 'outcomeUnknown' });
            expect(await bed.kusto.rows(db, 'Product')).toEqual([]);
            await bed.kusto.injectFaults({ operation: 'ingest', kind: 'applied', then: 'reset' });
            expect(await failureOf(ingestProducts(['a:0']))).toMatchObject({ kind: 'outcomeUnknown' });
            expect((await bed.kusto.rows(db, 'Product')).map((row) => row.values.EventId)).toEqual(['a:0']);
        });

        it('no answer in time as outcomeUnknown', async () => {
            const impatient = relayClient(300);
            await bed.kusto.injectFaults({ operation: 'ingest', kind: 'hang' });
            expect(
                await failureOf(impatient.ingest(db, 'Product', 'Product_mapping', [productRecord('h:0')])),
            ).toMatchObject({ kind: 'outcomeUnknown' });
        });

        it('a query syntax error as permanent', async () => {
            expect(await failureOf(client.query(db, `['Product'] | take 1`))).toMatchObject({
                kind: 'permanent',
                status: 400,
            });
        });
    });

    it('renews a token the service refuses as expired (401) and sends the call once more', async () => {
        await ingestProducts(['e:0']);
        await bed.powerBi.clearRequests();
        await bed.kusto.clearRequests();
        bed.powerBi.clock.advance({ hours: 25 });
        await ingestProducts(['e:1']);
        expect((await bed.kusto.requests()).map((entry) => `${entry.operation} ${entry.status}`)).toEqual([
            'ingest 401',
            'ingest 200',
        ]);
        expect((await bed.powerBi.requests()).map((entry) => `${entry.operation} ${entry.status}`)).toEqual([
            'msiToken 200',
        ]);
    });
});
