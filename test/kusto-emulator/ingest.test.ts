import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kustoApiAudience, maxStreamingBytes } from '../../kusto-emulator';
import {
    adminClientId,
    createProductTable,
    fqn,
    kustoClient,
    productRecord,
    relayClientId,
    startKustoTestBed,
    viewerClientId,
    type KustoClient,
    type KustoTestBed,
} from './support/kustoTestBed';

const db = 'Sales';
let bed: KustoTestBed;
let relay: KustoClient;

beforeAll(async () => {
    bed = await startKustoTestBed(db);
    relay = await bed.clientFor(relayClientId);
});
afterAll(() => bed.close());
beforeEach(async () => {
    await bed.kusto.reset();
    await bed.kusto.createDatabase({
        name: db,
        admins: [fqn(adminClientId)],
        ingestors: [fqn(relayClientId)],
        viewers: [fqn(viewerClientId)],
    });
    await createProductTable(bed.admin, db);
});

const multi = (...ids: string[]) => JSON.stringify(ids.map((id, index) => productRecord(id, index + 1)));

describe('auth metadata', () => {
    it('answers the public cloud values without a token', async () => {
        const response = await kustoClient(bed.kusto.url).call('GET', '/v1/rest/auth/metadata');
        expect(response.status).toBe(200);
        expect(response.body.AzureAD.KustoServiceResourceId).toBe('https://kusto.kusto.windows.net');
        expect(response.headers.get('x-ms-activity-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
});

describe('streaming ingestion', () => {
    it('commits MultiJSON records through the mapping, stamps ingestion_time() and answers the v1 table', async () => {
        const response = await relay.ingest(db, 'Product', multi('a:0', 'a:1'), {
            headers: { 'x-ms-client-request-id': 'pbi-relay;abc' },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('x-ms-client-request-id')).toBe('pbi-relay;abc');
        expect(response.headers.get('x-ms-activity-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(response.body).toEqual({
            Tables: [
                {
                    TableName: 'Table_0',
                    Columns: [
                        { ColumnName: 'ConsumedRecordsCount', DataType: 'Int64', ColumnType: 'long' },
                        { ColumnName: 'UpdatePolicyStatus', DataType: 'String', ColumnType: 'string' },
                        { ColumnName: 'UpdatePolicyFailureCode', DataType: 'String', ColumnType: 'string' },
                        { ColumnName: 'UpdatePolicyFailureReason', DataType: 'String', ColumnType: 'string' },
                    ],
                    Rows: [[2, 'Inactive', 'Unknown', null]],
                },
            ],
        });
        const rows = await bed.kusto.rows(db, 'Product');
        expect(rows).toEqual([
            {
                values: {
                    EventId: 'a:0',
                    ProductID: 1,
                    Name: 'Product 1',
                    IsCompete: true,
                    ManufacturedOn: '2014-07-30T00:00:00.000Z',
                },
                ingestionTime: '2026-12-02T09:00:00.000Z',
            },
            {
                values: {
                    EventId: 'a:1',
                    ProductID: 2,
                    Name: 'Product 2',
                    IsCompete: true,
                    ManufacturedOn: '2014-07-30T00:00:00.000Z',
                },
                ingestionTime: '2026-12-02T09:00:00.000Z',
            },
        ]);
    });

    it('takes JSON (one object per line), objects one after another in MultiJSON, and case-insensitive formats', async () => {
        const lines = [productRecord('j:0'), productRecord('j:1')].map((record) => JSON.stringify(record)).join('\r\n');
        expect((await relay.ingest(db, 'Product', `${lines}\n`, { format: 'JSON' })).status).toBe(200);
        const sequence = `${JSON.stringify(productRecord('m:0'), null, 2)}\n${JSON.stringify(productRecord('m:1'))}`;
        expect((await relay.ingest(db, 'Product', sequence, { format: 'MultiJson' })).status).toBe(200);
        expect((await bed.kusto.rows(db, 'Product')).map((row) => row.values.EventId)).toEqual([
            'j:0',
            'j:1',
            'm:0',
            'm:1',
        ]);
    });

    it('refuses streamFormat=json with records spread over lines, naming the line', async () => {
        const response = await relay.ingest(db, 'Product', JSON.stringify(productRecord('x'), null, 2), {
            format: 'json',
        });
        expect(response.status).toBe(400);
        expect(response.body.error['@message']).toMatch(/Line 1 is not one JSON object/);
        expect(await bed.kusto.rows(db, 'Product')).toEqual([]);
    });

    it('maps unmapped columns and missing values to null (strings to empty)', async () => {
        const response = await relay.ingest(db, 'Product', JSON.stringify([{ EventId: 'n:0' }]));
        expect(response.status).toBe(200);
        expect((await bed.kusto.rows(db, 'Product'))[0]?.values).toEqual({
            EventId: 'n:0',
            ProductID: null,
            Name: '',
            IsCompete: null,
            ManufacturedOn: null,
        });
    });

    it('decodes gzip bodies', async () => {
        const response = await relay.ingest(db, 'Product', multi('g:0'), { gzip: true });
        expect(response.status).toBe(200);
        expect(await bed.kusto.rows(db, 'Product')).toHaveLength(1);
    });

    it('refuses a body that is not valid gzip with a permanent 400', async () => {
        const response = await relay.ingest(db, 'Product', Buffer.from('not gzip'), {
            headers: { 'content-encoding': 'gzip' },
        });
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('BadRequest_InvalidCompression');
        expect(response.body.error['@permanent']).toBe(true);
    });

    it('refuses other content encodings', async () => {
        const response = await relay.ingest(db, 'Product', multi('b:0'), { headers: { 'content-encoding': 'br' } });
        expect(response.status).toBe(400);
        expect(response.body.error['@message']).toMatch(/Content-Encoding 'br'/);
    });

    it('answers 413 for more than 4 MB sent, and for more than 4 MB after gzip is undone; nothing is stored', async () => {
        const record = JSON.stringify(productRecord('big'));
        const count = Math.ceil(maxStreamingBytes / record.length) + 1;
        const big = `[${Array.from({ length: count }, () => record).join(',')}]`;
        expect(Buffer.byteLength(big)).toBeGreaterThan(maxStreamingBytes);
        const plain = await relay.ingest(db, 'Product', big);
        expect(plain.status).toBe(413);
        expect(plain.body.error['@permanent']).toBe(true);
        const zipped = await relay.ingest(db, 'Product', big, { gzip: true });
        expect(gzipSync(big).length).toBeLessThan(maxStreamingBytes);
        expect(zipped.status).toBe(413);
        expect(zipped.body.error['@message']).toMatch(/decompressed/);
        expect(await bed.kusto.rows(db, 'Product')).toEqual([]);
    });

    it('accepts exactly 4 MB', async () => {
        const record = JSON.stringify(productRecord('edge'));
        let body = `[${record}]`;
        body = body.replace(']', `${' '.repeat(maxStreamingBytes - Buffer.byteLength(body))}]`);
        expect(Buffer.byteLength(body)).toBe(maxStreamingBytes);
        expect((await relay.ingest(db, 'Product', body)).status).toBe(200);
    });

    it('requires mappingName for JSON and MultiJSON', async () => {
        for (const format of ['json', 'multijson']) {
            const response = await relay.ingest(db, 'Product', multi('x'), { format, mapping: null });
            expect(response.status).toBe(400);
            expect(response.body.error.code).toBe('BadRequest_MissingMappingReference');
            expect(response.body.error['@permanent']).toBe(true);
        }
    });

    it('refuses a missing or unknown streamFormat, unknown parameters, formats it does not emulate and unknown mappings', async () => {
        const path = `/v1/rest/ingest/${db}/Product`;
        const post = (query: string) => relay.call('POST', `${path}${query}`, { body: multi('p') });
        expect((await post('?mappingName=Product_mapping')).body.error['@message']).toMatch(
            /streamFormat query parameter is required/,
        );
        expect((await post('?streamFormat=xml&mappingName=Product_mapping')).body.error['@message']).toMatch(
            /not one of/,
        );
        expect((await post('?streamFormat=csv')).body.error['@message']).toMatch(/not emulated/);
        expect((await post('?streamFormat=json&mappingName=Product_mapping&extra=1')).body.error['@message']).toMatch(
            /'extra'/,
        );
        const unknown = await post('?streamFormat=multijson&mappingName=Other');
        expect(unknown.status).toBe(400);
        expect(unknown.body.error.code).toBe('BadRequest_MappingReferenceWasNotFound');
        expect(await bed.kusto.rows(db, 'Product')).toEqual([]);
    });

    it('answers 404 for an unknown database or table', async () => {
        const noDatabase = await relay.ingest('Nope', 'Product', multi('x'));
        expect(noDatabase.status).toBe(404);
        expect(noDatabase.body.error['@message']).toMatch(/'Nope' of kind 'Database'/);
        const noTable = await relay.ingest(db, 'product', multi('x'));
        expect(noTable.status).toBe(404);
        expect(noTable.body.error['@message']).toMatch(/kind 'Table'/);
    });

    it('refuses the whole request when one value does not fit its column, naming record and column', async () => {
        const records = [
            productRecord('ok'),
            { ...productRecord('bad'), ProductID: '12' },
            { ...productRecord('bad2'), ManufacturedOn: '30.07.2014' },
        ];
        const response = await relay.ingest(db, 'Product', JSON.stringify(records));
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('BadRequest_InvalidData');
        expect(response.body.error['@message']).toMatch(
            /2 value\(s\).*record 1, column 'ProductID'.*record 2, column 'ManufacturedOn'/,
        );
        expect(await bed.kusto.rows(db, 'Product')).toEqual([]);
    });

    it('refuses records that are not JSON objects and empty bodies', async () => {
        expect((await relay.ingest(db, 'Product', '[1, 2]')).body.error['@message']).toMatch(/not a JSON object/);
        expect((await relay.ingest(db, 'Product', '  ')).body.error['@message']).toMatch(/no records/);
        expect((await relay.ingest(db, 'Product', '{"EventId": "x"')).body.error['@message']).toMatch(/not closed/);
    });
});

describe('tokens and roles', () => {
    it('answers 401 without a token, with a foreign signature and with a wrong audience', async () => {
        expect((await kustoClient(bed.kusto.url).ingest(db, 'Product', multi('x'))).status).toBe(401);
        const foreign = await kustoClient(bed.kusto.url, 'a.b.c').ingest(db, 'Product', multi('x'));
        expect(foreign.status).toBe(401);
        const powerBiToken = await bed.clientFor(relayClientId, {
            audience: 'https://analysis.windows.net/powerbi/api',
        });
        const wrongAudience = await powerBiToken.ingest(db, 'Product', multi('x'));
        expect(wrongAudience.status).toBe(401);
        expect(wrongAudience.text).toBe('');
        expect(wrongAudience.headers.get('www-authenticate')).toMatch(
            /^Bearer error="invalid_token", error_description=".*audience/,
        );
        expect(await bed.kusto.rows(db, 'Product')).toEqual([]);
    });

    it('accepts the documented alternative audience and the cluster URL', async () => {
        for (const audience of [kustoApiAudience, bed.kusto.url, `${bed.kusto.url}/`]) {
            const client = await bed.clientFor(relayClientId, { audience });
            expect((await client.ingest(db, 'Product', multi(audience))).status).toBe(200);
        }
    });

    it('answers 401 once the token has expired on the emulated clock', async () => {
        const client = await bed.clientFor(relayClientId, { expiresInSeconds: 60 });
        expect((await client.ingest(db, 'Product', multi('before'))).status).toBe(200);
        bed.powerBi.clock.advance({ seconds: 60 });
        const expired = await client.ingest(db, 'Product', multi('after'));
        expect(expired.status).toBe(401);
        expect(expired.headers.get('www-authenticate')).toMatch(/has expired/);
        expect((await bed.kusto.rows(db, 'Product')).map((row) => row.values.EventId)).toEqual(['before']);
    });

    it('accepts a token from the Power BI emulator managed identity endpoint (/msi/token)', async () => {
        const url = new URL(bed.powerBi.identityEndpoint);
        url.search = new URLSearchParams({
            'api-version': '2019-08-01',
            resource: 'https://kusto.kusto.windows.net',
            client_id: relayClientId,
        }).toString();
        const minted = await fetch(url, { headers: { 'x-identity-header': bed.powerBi.identityHeader } });
        const { access_token: token } = (await minted.json()) as { access_token: string };
        expect((await kustoClient(bed.kusto.url, token).ingest(db, 'Product', multi('msi'))).status).toBe(200);
    });

    it('lets a Viewer not ingest (403), and an Admin ingest', async () => {
        const viewer = await bed.clientFor(viewerClientId);
        const refused = await viewer.ingest(db, 'Product', multi('v'));
        expect(refused.status).toBe(403);
        expect(refused.body.error['@message']).toMatch(
            /aadapp=c3000000-0000-4000-8000-000000000e11;.* not authorized to ingest data/,
        );
        expect((await bed.admin.ingest(db, 'Product', multi('a'))).status).toBe(200);
        const stranger = await bed.clientFor('c9000000-0000-4000-8000-000000000000');
        expect((await stranger.ingest(db, 'Product', multi('s'))).status).toBe(403);
    });
});
