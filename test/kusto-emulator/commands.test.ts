import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
    adminClientId,
    countOf,
    createProductTable,
    fqn,
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
let viewer: KustoClient;

beforeAll(async () => {
    bed = await startKustoTestBed(db);
    relay = await bed.clientFor(relayClientId);
    viewer = await bed.clientFor(viewerClientId);
});
afterAll(() => bed.close());
beforeEach(async () => {
    await bed.kusto.reset();
    await bed.kusto.createDatabase({ name: db, admins: [fqn(adminClientId)] });
});

const rowsOf = (response: { body: { Tables: { Rows: unknown[][] }[] } }) => response.body.Tables[0]!.Rows;
const send = (ids: string[]) => relay.ingest(db, 'Product', JSON.stringify(ids.map((id) => productRecord(id))));

async function grantRelayAndViewer(): Promise<void> {
    expect(
        (await bed.admin.mgmt(db, `.add database ${db} ingestors ('${fqn(relayClientId)}') 'pbi-relay'`)).status,
    ).toBe(200);
    expect((await bed.admin.mgmt(db, `.add database ${db} viewers ('${fqn(viewerClientId)}')`)).status).toBe(200);
}

describe('tables and mappings', () => {
    it('.create-merge table creates, then adds columns, and refuses a type change', async () => {
        const created = await bed.admin.mgmt(db, '.create-merge table Product (EventId:string, ProductID:long)');
        expect(created.status).toBe(200);
        expect(created.body.Tables).toHaveLength(1);
        expect(created.body.Tables[0].Columns.map((column: { ColumnName: string }) => column.ColumnName)).toEqual([
            'TableName',
            'Schema',
            'DatabaseName',
            'Folder',
            'DocString',
        ]);
        expect(JSON.parse(rowsOf(created)[0]![1] as string)).toEqual({
            Name: 'Product',
            OrderedColumns: [
                { Name: 'EventId', Type: 'System.String', CslType: 'string' },
                { Name: 'ProductID', Type: 'System.Int64', CslType: 'long' },
            ],
        });
        const merged = await bed.admin.mgmt(db, '.CREATE-MERGE TABLE Product (ProductID:long, Price:real)');
        expect(merged.status).toBe(200);
        const csl = await bed.admin.mgmt(db, '.show table Product cslschema');
        expect(rowsOf(csl)[0]![1]).toBe('EventId:string,ProductID:long,Price:real');
        const changed = await bed.admin.mgmt(db, '.create-merge table Product (Price:string)');
        expect(changed.status).toBe(400);
        expect(changed.body.error['@message']).toMatch(/cannot change it to string/);
        expect((await bed.admin.mgmt(db, '.create-merge table T (C:varchar)')).body.error['@message']).toMatch(
            /unknown or unsupported type 'varchar'/,
        );
    });

    it('.show table T schema as json, .show tables', async () => {
        await createProductTable(bed.admin, db);
        const schema = await bed.admin.mgmt(db, '.show table Product schema as json');
        expect(JSON.parse(rowsOf(schema)[0]![1] as string).OrderedColumns).toHaveLength(5);
        const tables = await bed.admin.mgmt(db, '.show tables');
        expect(rowsOf(tables)).toEqual([['Product', db, '', '']]);
        expect((await bed.admin.mgmt(db, '.show table Nope schema as json')).status).toBe(400);
    });

    it('.create-or-alter table T ingestion json mapping creates or replaces, .show table T ingestion mappings lists it', async () => {
        await createProductTable(bed.admin, db);
        const replaced = await bed.admin.mgmt(
            db,
            `.create-or-alter table Product ingestion json mapping "Product_mapping" @'[{"column":"EventId","path":"$[''id'']"}]'`,
        );
        expect(replaced.status).toBe(200);
        expect(rowsOf(replaced)[0]!.slice(0, 3)).toEqual([
            'Product_mapping',
            'Json',
            `[{"column":"EventId","path":"$['id']"}]`,
        ]);
        const listed = await bed.admin.mgmt(db, '.show table Product ingestion json mappings');
        expect(rowsOf(listed)).toHaveLength(1);
        const one = await relay.mgmt(db, '.show table Product ingestion json mapping "Product_mapping"');
        expect(one.status).toBe(403);
        const documented = await bed.admin.mgmt(
            db,
            `.create-or-alter table Product ingestion json mapping "Other" '[' '{"Column":"EventId","DataType":"string","Properties":{"Path":"$.e"}},' '{"column":"Name","path":"$.n","datatype":"","transform":null}' ']'`,
        );
        expect(documented.status).toBe(200);
        expect(rowsOf(await bed.admin.mgmt(db, ".show table Product ingestion json mapping 'Other'"))).toHaveLength(1);
        expect((await relay.ingest(db, 'Product', '{"id":"via-bracket"}')).status).toBe(403);
        await grantRelayAndViewer();
        expect((await relay.ingest(db, 'Product', '{"id":"via-bracket"}')).status).toBe(200);
        expect((await bed.kusto.rows(db, 'Product'))[0]?.values.EventId).toBe('via-bracket');
        // Documented: creating a table ingestion mapping needs (at least) Ingestor; Viewers may not.
        const byIngestor = `.create-or-alter table Product ingestion json mapping 'ByRelay' '[{"column":"EventId","path":"$.id"}]'`;
        expect((await relay.mgmt(db, byIngestor)).status).toBe(200);
        expect((await viewer.mgmt(db, byIngestor)).status).toBe(403);
    });

    it('refuses mappings that do not fit the table', async () => {
        await createProductTable(bed.admin, db);
        const mapping = (elements: unknown) =>
            bed.admin.mgmt(
                db,
                `.create-or-alter table Product ingestion json mapping 'M' '${JSON.stringify(elements)}'`,
            );
        const cases: [unknown, RegExp][] = [
            [[{ column: 'Nope', path: '$.Nope' }], /has no such column/],
            [
                [
                    { column: 'EventId', path: '$.a' },
                    { column: 'EventId', path: '$.b' },
                ],
                /mapped twice/,
            ],
            [[{ column: 'EventId', path: '$..a' }], /not a supported JSONPath/],
            [
                [{ column: 'ProductID', path: '$.ProductID', datatype: 'string' }],
                /does not match the column's type 'long'/,
            ],
            [[{ column: 'EventId', path: '$.EventId', transform: 'x' }], /must be a JSON array/],
            [[], /must be a JSON array/],
        ];
        for (const [elements, message] of cases) {
            const response = await mapping(elements);
            expect(response.status).toBe(400);
            expect(response.body.error['@message']).toMatch(message);
        }
        expect(
            (await bed.admin.mgmt(db, `.create-or-alter table Product ingestion json mapping 'M' 'not json'`)).status,
        ).toBe(400);
        expect(
            (await bed.admin.mgmt(db, `.create-or-alter table Product ingestion csv mapping 'M' '[]'`)).body.error[
                '@message'
            ],
        ).toMatch(/not supported by the Kusto emulator/);
    });
});

describe('principals', () => {
    it('.add database D ingestors|viewers|admins grants roles; .show database D principals lists them (Admins only)', async () => {
        await grantRelayAndViewer();
        const again = await bed.admin.mgmt(db, `.add database ${db} ingestors ('${fqn(relayClientId)}')`);
        expect(again.status).toBe(200);
        expect((await viewer.mgmt(db, `.show database ${db} principals`)).status).toBe(403);
        const shown = await bed.admin.mgmt(db, `.show database ${db} principals`);
        expect(shown.status).toBe(200);
        expect(rowsOf(shown).map((row) => [row[0], row[1], row[4], row[5]])).toEqual([
            [`Database ${db} Admin`, 'AAD Application', fqn(adminClientId), 'seeded'],
            [`Database ${db} Ingestor`, 'AAD Application', fqn(relayClientId), 'pbi-relay'],
            [`Database ${db} Viewer`, 'AAD Application', fqn(viewerClientId), ''],
        ]);
    });

    it('refuses principals other than aadapp=<guid>, role names it does not know, and non-admins', async () => {
        expect((await bed.admin.mgmt(db, `.add database ${db} viewers ('aaduser=someone@contoso.com')`)).status).toBe(
            400,
        );
        expect((await bed.admin.mgmt(db, `.add database ${db} viewers ('aadapp=my-app')`)).status).toBe(400);
        expect((await bed.admin.mgmt(db, `.add database ${db} users ('${fqn(viewerClientId)}')`)).status).toBe(400);
        await grantRelayAndViewer();
        const byViewer = await viewer.mgmt(db, `.add database ${db} admins ('${fqn(viewerClientId)}')`);
        expect(byViewer.status).toBe(403);
        const unknown = await bed.admin.mgmt(db, `.add database Other viewers ('${fqn(viewerClientId)}')`);
        expect(unknown.status).toBe(400);
        expect(unknown.body.error.code).toBe('BadRequest_EntityNotFound');
    });

    it('matches a principal on the token appid (client id), not on another tenant', async () => {
        await createProductTable(bed.admin, db);
        const otherTenant = `aadapp=${relayClientId};11111111-1111-1111-1111-111111111111`;
        expect((await bed.admin.mgmt(db, `.add database ${db} ingestors ('${otherTenant}')`)).status).toBe(200);
        expect((await send(['t:0'])).status).toBe(403);
        expect((await bed.admin.mgmt(db, `.add database ${db} ingestors ('aadapp=${relayClientId}')`)).status).toBe(
            200,
        );
        expect((await send(['t:0'])).status).toBe(200);
    });

    it('keeps roles apart: an Ingestor cannot query or run commands, a Viewer cannot change anything', async () => {
        await createProductTable(bed.admin, db);
        await grantRelayAndViewer();
        expect((await relay.query(db, 'Product | count')).status).toBe(403);
        expect((await relay.mgmt(db, '.show tables')).status).toBe(403);
        expect((await relay.mgmt(db, '.create-merge table X (A:string)')).status).toBe(403);
        expect((await viewer.query(db, 'Product | count')).status).toBe(200);
        expect((await viewer.mgmt(db, '.show tables')).status).toBe(200);
        const create = await viewer.mgmt(db, '.create-merge table X (A:string)');
        expect(create.status).toBe(403);
        expect(create.body.error.code).toBe('Forbidden');
        expect(create.body.error['@permanent']).toBe(true);
    });
});

describe('queries', () => {
    beforeEach(async () => {
        await createProductTable(bed.admin, db);
        await grantRelayAndViewer();
        expect((await send(['A1:0', 'A1:1', 'b2:0', 'A1:1'])).status).toBe(200);
    });

    it('counts with where ==, startswith (case-insensitive), in, and duplicates by summarize', async () => {
        expect(countOf(await viewer.query(db, 'Product | count'))).toBe(4);
        expect(countOf(await viewer.query(db, 'Product | where EventId == "A1:1" | count'))).toBe(2);
        expect(countOf(await viewer.query(db, "Product | where EventId == 'a1:1' | count"))).toBe(0);
        expect(countOf(await viewer.query(db, 'Product | where EventId startswith "a1:" | count'))).toBe(3);
        expect(countOf(await viewer.query(db, 'Product | where EventId in ("A1:0", "b2:0", "zz") | count'))).toBe(2);
        expect(countOf(await viewer.query(db, 'Product | where ProductID == 1 | count'))).toBe(4);
        expect(
            countOf(await viewer.query(db, 'Product | summarize count() by EventId | where count_ > 1 | count')),
        ).toBe(1);
    });

    it('answers v1 queries with the primary table first, then properties, status and table of contents', async () => {
        const response = await viewer.query(db, 'Product | summarize count() by EventId');
        expect(response.status).toBe(200);
        expect(response.body.Tables.map((table: { TableName: string }) => table.TableName)).toEqual([
            'Table_0',
            'Table_1',
            'Table_2',
            'Table_3',
        ]);
        expect(response.body.Tables[0].Columns).toEqual([
            { ColumnName: 'EventId', DataType: 'String', ColumnType: 'string' },
            { ColumnName: 'count_', DataType: 'Int64', ColumnType: 'long' },
        ]);
        expect(rowsOf(response)).toEqual([
            ['A1:0', 1],
            ['A1:1', 2],
            ['b2:0', 1],
        ]);
        expect(response.body.Tables[3].Rows[0].slice(0, 3)).toEqual([0, 'QueryResult', 'PrimaryResult']);
    });

    it('answers v2 queries as frames with a PrimaryResult', async () => {
        const response = await viewer.query(db, 'Product | count', 'v2');
        expect(response.status).toBe(200);
        const frames = response.body as {
            FrameType: string;
            TableKind?: string;
            Rows?: unknown[][];
            Columns?: unknown[];
        }[];
        expect(frames.map((frame) => frame.FrameType)).toEqual([
            'DataSetHeader',
            'DataTable',
            'DataTable',
            'DataSetCompletion',
        ]);
        const primary = frames.find((frame) => frame.TableKind === 'PrimaryResult');
        expect(primary?.Columns).toEqual([{ ColumnName: 'Count', ColumnType: 'long' }]);
        expect(primary?.Rows).toEqual([[4]]);
        expect(frames.at(-1)).toEqual({ FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false });
    });

    it('refuses KQL outside the subset (400 syntax error) and unknown names (400 semantic error)', async () => {
        for (const csl of [
            'Product | take 10',
            'Product | where EventId has "A"',
            'print 1',
            'Product | count | count x',
            '.show tables',
        ]) {
            const response = await viewer.query(db, csl);
            expect(response.status).toBe(400);
            expect(response.body.error['@type']).toBe('Kusto.Data.Exceptions.SyntaxException');
            expect(response.body.error['@message']).toMatch(/^Syntax error: SYN0002/);
        }
        const unknownTable = await viewer.query(db, 'Nope | count');
        expect(unknownTable.body.error['@message']).toMatch(/SEM0100.*'Nope'/);
        expect((await viewer.query(db, 'Product | where Nope == "x" | count')).body.error['@message']).toMatch(
            /'Nope'/,
        );
        const mismatch = await viewer.query(db, 'Product | where ProductID == "1" | count');
        expect(mismatch.body.error['@type']).toBe('Kusto.Data.Exceptions.SemanticException');
        const unknownDatabase = await viewer.query('Nope', 'Product | count');
        expect(unknownDatabase.status).toBe(400);
        expect(unknownDatabase.body.error['@message']).toMatch(/'Nope' of kind 'Database'/);
    });

    it('refuses unknown management commands naming them, and bodies that are not {db, csl}', async () => {
        const unknown = await bed.admin.mgmt(db, '.drop table Product');
        expect(unknown.status).toBe(400);
        expect(unknown.body.error['@message']).toMatch(/'.drop table Product' is not supported by the Kusto emulator/);
        expect((await bed.admin.mgmt(db, 'Product | count')).status).toBe(400);
        const noDb = await bed.admin.call('POST', '/v1/rest/mgmt', {
            body: JSON.stringify({ csl: '.show tables' }),
            headers: { 'content-type': 'application/json' },
        });
        expect(noDb.status).toBe(400);
        expect(noDb.body.error['@message']).toMatch(/at db/);
        const text = await bed.admin.call('POST', '/v1/rest/query', {
            body: JSON.stringify({ db, csl: 'Product | count' }),
            headers: { 'content-type': 'text/plain' },
        });
        expect(text.status).toBe(415);
        const withProperties = await bed.admin.call('POST', '/v1/rest/query', {
            body: JSON.stringify({
                db,
                csl: 'Product | count',
                properties: '{"Options":{"servertimeout":"00:01:00"}}',
            }),
            headers: { 'content-type': 'application/json' },
        });
        expect(countOf(withProperties)).toBe(4);
    });
});

describe('materialized views for deduplication', () => {
    beforeEach(async () => {
        await createProductTable(bed.admin, db);
        await grantRelayAndViewer();
    });

    const createView = (options = 'async ifnotexists materialized-view with (backfill=true)') =>
        bed.admin.mgmt(
            db,
            `.create ${options} Product_deduped on table Product { Product | summarize take_any(*) by EventId }`,
        );

    it('answers one row per EventId, by name and as materialized_view("V"), with backfill', async () => {
        expect((await send(['a:0', 'a:1', 'a:0'])).status).toBe(200);
        const created = await createView();
        expect(created.status).toBe(200);
        const operationId = rowsOf(created)[0]![0] as string;
        const operation = await viewer.mgmt(db, `.show operations ${operationId}`);
        expect(rowsOf(operation)[0]!.slice(0, 2)).toEqual([operationId, 'MaterializedViewCreate']);
        expect(rowsOf(operation)[0]![4]).toBe('Completed');
        const shown = await viewer.mgmt(db, '.show materialized-view Product_deduped');
        expect(rowsOf(shown)[0]!.slice(0, 3)).toEqual([
            'Product_deduped',
            'Product',
            'Product | summarize take_any(*) by EventId',
        ]);
        expect((await send(['a:1', 'b:0'])).status).toBe(200);
        expect(countOf(await viewer.query(db, 'Product | count'))).toBe(5);
        expect(countOf(await viewer.query(db, 'Product_deduped | count'))).toBe(3);
        expect(countOf(await viewer.query(db, 'materialized_view("Product_deduped") | count'))).toBe(3);
        expect(
            countOf(
                await viewer.query(db, 'Product_deduped | summarize count() by EventId | where count_ > 1 | count'),
            ),
        ).toBe(0);
        expect(countOf(await viewer.query(db, 'Product_deduped | where EventId startswith "a:" | count'))).toBe(2);
    });

    it('without backfill covers only rows ingested after creation', async () => {
        expect((await send(['old:0'])).status).toBe(200);
        expect((await createView('ifnotexists materialized-view')).status).toBe(200);
        expect((await send(['new:0', 'new:0'])).status).toBe(200);
        expect(countOf(await viewer.query(db, 'Product_deduped | count'))).toBe(1);
    });

    it('ifnotexists answers the existing view; without it a second create is refused; .show materialized-views lists it', async () => {
        expect((await createView()).status).toBe(200);
        expect((await createView()).status).toBe(200);
        const again = await bed.admin.mgmt(
            db,
            '.create materialized-view Product_deduped on table Product { Product | summarize take_any(*) by EventId }',
        );
        expect(again.status).toBe(400);
        expect(again.body.error.code).toBe('BadRequest_EntityAlreadyExists');
        const listed = await viewer.mgmt(db, '.show materialized-views');
        expect(rowsOf(listed).map((row) => row[0])).toEqual(['Product_deduped']);
        expect(rowsOf(await viewer.mgmt(db, '.show materialized-view Product_deduped'))).toHaveLength(1);
    });

    it('refuses backfill=true without async, as documented', async () => {
        const response = await createView('ifnotexists materialized-view with (backfill=true)');
        expect(response.status).toBe(400);
        expect(response.body.error['@message']).toMatch(/needs `.create async materialized-view`/);
    });

    it('with a lookback keeps a duplicate ingested longer than the lookback after the first', async () => {
        expect((await createView('materialized-view with (lookback=1h)')).status).toBe(200);
        expect((await send(['k:0'])).status).toBe(200);
        bed.powerBi.clock.advance({ minutes: 30 });
        expect((await send(['k:0'])).status).toBe(200);
        expect(countOf(await viewer.query(db, 'Product_deduped | count'))).toBe(1);
        bed.powerBi.clock.advance({ minutes: 61 });
        expect((await send(['k:0'])).status).toBe(200);
        expect(countOf(await viewer.query(db, 'Product_deduped | count'))).toBe(2);
        expect(rowsOf(await viewer.mgmt(db, '.show materialized-views'))[0]![12]).toBe('01:00:00');
    });

    it('refuses view queries other than take_any(*) by a column of the source table', async () => {
        const view = (query: string) => bed.admin.mgmt(db, `.create materialized-view V on table Product { ${query} }`);
        expect((await view('Product | summarize count() by EventId')).status).toBe(400);
        expect((await view('Other | summarize take_any(*) by EventId')).status).toBe(400);
        expect((await view('Product | summarize take_any(*) by Nope')).status).toBe(400);
        expect(
            (
                await bed.admin.mgmt(
                    db,
                    '.create materialized-view with (dimensionTables=x) V on table Product { Product | summarize take_any(*) by EventId }',
                )
            ).status,
        ).toBe(400);
    });
});
