import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSalesDataset, productRow, startTestBed, viewerPrincipal, type TestBed } from './support/powerBiTestBed';

let bed: TestBed;
let datasetId: string;
let queries: string;
let rows: string;

beforeAll(async () => {
    bed = await startTestBed();
});
afterAll(async () => {
    await bed.emulator.close();
});
beforeEach(async () => {
    await bed.emulator.clearFaults();
    await bed.emulator.clearRequests();
    await bed.emulator.updateLimits({ maxExecuteQueriesPerMinute: 120 });
    datasetId = await createSalesDataset(bed, 'None');
    queries = `${bed.group}/datasets/${datasetId}/executeQueries`;
    rows = `${bed.group}/datasets/${datasetId}/tables/Product/rows`;
});

const query = (dax: string) => ({ queries: [{ query: dax }], serializerSettings: { includeNulls: true } });
const resultRow = (body: { results: { tables: { rows: Record<string, number>[] }[] }[] }) =>
    body.results[0]!.tables[0]!.rows[0];

describe('Datasets - Execute Queries (the DAX the relay uses)', () => {
    it('counts the rows of a table, the result keyed [name] as Execute Queries keys ROW columns', async () => {
        await bed.api.post(rows, { rows: [productRow(1), productRow(2), productRow(3)] });
        const answer = await bed.api.post(queries, query(`EVALUATE ROW("rows", COUNTROWS('Product'))`));
        expect(answer.status).toBe(200);
        expect(resultRow(answer.body)).toEqual({ '[rows]': 3 });
    });

    it('counts the rows that carry one text in one column, with names matched case-insensitively', async () => {
        await bed.api.post(rows, {
            rows: [
                { ...productRow(1), Name: 'batch-a' },
                { ...productRow(2), Name: 'batch-a' },
                { ...productRow(3), Name: 'batch-b' },
            ],
        });
        const answer = await bed.api.post(
            queries,
            query(`evaluate row ( "n" , countrows ( filter ( 'product' , 'Product'[name] = "batch-a" ) ) )`),
        );
        expect(answer.status).toBe(200);
        expect(resultRow(answer.body)).toEqual({ '[n]': 2 });
    });

    it('refuses any other DAX with 400 DatasetExecuteQueriesError that lists what it serves', async () => {
        const answer = await bed.api.post(queries, query(`EVALUATE TOPN(1, 'Product')`));
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe('DatasetExecuteQueriesError');
        expect(answer.body.error.message).toContain(`EVALUATE ROW("<name>", COUNTROWS('<table>'))`);
    });

    it('names an unknown table or column', async () => {
        const table = await bed.api.post(queries, query(`EVALUATE ROW("n", COUNTROWS('Nope'))`));
        expect(table.body.error.message).toBe("Cannot find table 'Nope'.");
        const column = await bed.api.post(
            queries,
            query(`EVALUATE ROW("n", COUNTROWS(FILTER('Product', 'Product'[Batch] = "x")))`),
        );
        expect(column.status).toBe(400);
        expect(column.body.error.message).toBe("Column 'Batch' cannot be found in table 'Product'.");
    });

    it('takes exactly one query per request, and no unknown property', async () => {
        const two = await bed.api.post(queries, {
            queries: [{ query: `EVALUATE ROW("n", COUNTROWS('Product'))` }, { query: 'EVALUATE ROW("m", 1)' }],
        });
        expect(two.status).toBe(400);
        expect(two.body.error.message).toContain('exactly one query');
        const unknown = await bed.api.post(queries, { queries: [{ query: 'x', timeout: 5 }] });
        expect(unknown.status).toBe(400);
        expect(unknown.text).toContain("The property 'timeout' does not exist");
    });

    it('needs Build permission: a Viewer is refused', async () => {
        const viewer = await bed.clientFor(viewerPrincipal);
        const answer = await viewer.post(queries, query(`EVALUATE ROW("n", COUNTROWS('Product'))`));
        expect(answer.status).toBe(403);
    });

    it('answers 429 with a truthful Retry-After past the queries-a-minute budget', async () => {
        await bed.emulator.updateLimits({ maxExecuteQueriesPerMinute: 2 });
        // The earlier tests' queries leave the window.
        bed.emulator.clock.advance({ seconds: 61 });
        const dax = query(`EVALUATE ROW("n", COUNTROWS('Product'))`);
        expect((await bed.api.post(queries, dax)).status).toBe(200);
        bed.emulator.clock.advance({ seconds: 20 });
        expect((await bed.api.post(queries, dax)).status).toBe(200);
        const refused = await bed.api.post(queries, dax);
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('40');
        bed.emulator.clock.advance({ seconds: 40 });
        expect((await bed.api.post(queries, dax)).status).toBe(200);
    });
});

describe('the applied fault: the call is carried out, the answer is lost', () => {
    const count = async () =>
        resultRow((await bed.api.post(queries, query(`EVALUATE ROW("n", COUNTROWS('Product'))`))).body);

    it('then hang: the rows are stored although the client times out', async () => {
        await bed.emulator.injectFaults({ operation: 'postRows', kind: 'applied', then: 'hang', datasetId });
        const token = await bed.tokenFor('a0000000-0000-4000-8000-00000000ad01');
        const call = fetch(`${bed.emulator.url}${rows}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ rows: [productRow(1), productRow(2)] }),
            signal: AbortSignal.timeout(500),
        });
        await expect(call).rejects.toThrow();
        expect(await count()).toEqual({ '[n]': 2 });
        const logged = (await bed.emulator.requests()).find((entry) => entry.operation === 'postRows');
        expect(logged).toMatchObject({ fault: 'applied', status: 0 });
    });

    it('then reset: the connection drops after the rows are stored', async () => {
        await bed.emulator.injectFaults({ operation: 'postRows', kind: 'applied', then: 'reset' });
        await expect(bed.api.post(rows, { rows: [productRow(1)] })).rejects.toThrow();
        expect(await count()).toEqual({ '[n]': 1 });
    });

    it('then status: a 500 comes back for rows that were stored', async () => {
        await bed.emulator.injectFaults({ operation: 'postRows', kind: 'applied', then: 'status', status: 500 });
        expect((await bed.api.post(rows, { rows: [productRow(1)] })).status).toBe(500);
        expect(await count()).toEqual({ '[n]': 1 });
    });

    it('a call the handler refuses is answered as usual, and nothing is stored', async () => {
        await bed.emulator.injectFaults({ operation: 'postRows', kind: 'applied', then: 'hang' });
        expect((await bed.api.post(rows, { rows: [{ ProductID: 'not a number' }] })).status).toBe(400);
        expect(await count()).toEqual({ '[n]': 0 });
    });

    it('is refused without then, or with then status but no status', async () => {
        await expect(bed.emulator.injectFaults({ operation: 'postRows', kind: 'applied' })).rejects.toThrow(/then/);
        await expect(
            bed.emulator.injectFaults({ operation: 'postRows', kind: 'applied', then: 'status' }),
        ).rejects.toThrow(/status/);
    });
});
