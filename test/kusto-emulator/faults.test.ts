import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KustoFaultInput } from '../../kusto-emulator';
import {
    adminClientId,
    countOf,
    createProductTable,
    fqn,
    productRecord,
    relayClientId,
    startKustoTestBed,
    type KustoClient,
    type KustoTestBed,
} from './support/kustoTestBed';

const db = 'Faults';
let bed: KustoTestBed;
let relay: KustoClient;

beforeAll(async () => {
    bed = await startKustoTestBed(db);
    relay = await bed.clientFor(relayClientId);
});
afterAll(() => bed.close());
beforeEach(async () => {
    await bed.kusto.reset();
    await bed.kusto.createDatabase({ name: db, admins: [fqn(adminClientId)], ingestors: [fqn(relayClientId)] });
    await bed.kusto.createDatabase({ name: 'Other', admins: [fqn(adminClientId)], ingestors: [fqn(relayClientId)] });
    await createProductTable(bed.admin, db);
    await createProductTable(bed.admin, 'Other');
});

const send = (id: string, database = db) => relay.ingest(database, 'Product', JSON.stringify([productRecord(id)]));
const stored = async (database = db) => (await bed.kusto.rows(database, 'Product')).map((row) => row.values.EventId);
/** 'no answer' when the call is still unanswered after `ms` (a hung call stays open until the emulator closes). */
const answeredWithin = (ms: number, call: Promise<unknown>) =>
    Promise.race([call.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('no answer'), ms))]);
const inject = (fault: KustoFaultInput) => bed.kusto.injectFaults({ database: db, ...fault });

describe('status faults', () => {
    it('429 is a ThrottlingException with @permanent false; Retry-After only when the fault sets it', async () => {
        await inject({ kind: 'status', status: 429 });
        const plain = await send('x');
        expect(plain.status).toBe(429);
        expect(plain.headers.get('retry-after')).toBeNull();
        expect(plain.body.error['@type']).toBe('Kusto.DataNode.Exceptions.ThrottlingException');
        expect(plain.body.error['@permanent']).toBe(false);
        expect(plain.body.error['@context'].activityId).toBe(plain.headers.get('x-ms-activity-id'));
        await inject({ kind: 'status', status: 429, retryAfterSeconds: 7 });
        expect((await send('y')).headers.get('retry-after')).toBe('7');
        expect(await stored()).toEqual([]);
    });

    it.each([500, 503, 520] as const)('%i is transient (@permanent false) and stores nothing', async (status) => {
        await inject({ kind: 'status', status });
        const response = await send('x');
        expect(response.status).toBe(status);
        expect(response.body.error['@permanent']).toBe(false);
        expect(await stored()).toEqual([]);
        expect((await send('x')).status).toBe(200);
    });

    it('400 is permanent; 404 says streaming ingestion is not enabled', async () => {
        await inject({ kind: 'status', status: 400 });
        const bad = await send('x');
        expect(bad.status).toBe(400);
        expect(bad.body.error['@permanent']).toBe(true);
        await inject({ kind: 'status', status: 404, table: 'Product' });
        const disabled = await send('y');
        expect(disabled.status).toBe(404);
        expect(disabled.body.error.code).toBe('BadRequest_StreamingIngestionPolicyNotEnabled');
        expect(await stored()).toEqual([]);
    });

    it('takes a fault only for its database, table and operation, count times', async () => {
        await inject({ kind: 'status', status: 503, count: 2 });
        await inject({ kind: 'status', status: 500, table: 'Nope' });
        expect((await send('other', 'Other')).status).toBe(200);
        expect(countOf(await bed.admin.query(db, 'Product | count'))).toBe(0);
        expect((await send('a')).status).toBe(503);
        expect((await send('a')).status).toBe(503);
        expect((await send('a')).status).toBe(200);
        expect((await bed.kusto.faults()).map((fault) => fault.table)).toEqual(['Nope']);
        await bed.kusto.clearFaults();
        expect(await bed.kusto.faults()).toEqual([]);
    });

    it('applies to management commands and queries with operation mgmt / query', async () => {
        await inject({ operation: 'mgmt', kind: 'status', status: 520 });
        expect((await bed.admin.mgmt(db, '.show tables')).status).toBe(520);
        await inject({ operation: 'query', kind: 'status', status: 429 });
        expect((await bed.admin.query(db, 'Product | count', 'v2')).status).toBe(429);
        expect((await bed.admin.query(db, 'Product | count')).status).toBe(200);
    });
});

describe('connection faults', () => {
    it('hang leaves the call unanswered and stores nothing', async () => {
        await inject({ kind: 'hang' });
        expect(await answeredWithin(300, send('h'))).toBe('no answer');
        expect(await stored()).toEqual([]);
        expect((await bed.kusto.requests()).at(-1)).toMatchObject({ status: 0, fault: 'hang' });
    });

    it('reset drops the connection and stores nothing', async () => {
        await inject({ kind: 'reset' });
        await expect(send('r')).rejects.toThrow();
        expect(await stored()).toEqual([]);
        const log = await bed.kusto.requests();
        expect(log.at(-1)).toMatchObject({
            operation: 'ingest',
            database: db,
            table: 'Product',
            status: 0,
            fault: 'reset',
        });
    });
});

describe('applied, then the answer is lost', () => {
    it('then reset: the rows are committed although the client sees a dropped connection', async () => {
        await inject({ kind: 'applied', then: 'reset' });
        await expect(send('ar')).rejects.toThrow();
        expect(await stored()).toEqual(['ar']);
    });

    it('then status: the rows are committed and the client hears a transient 520', async () => {
        await inject({ kind: 'applied', then: 'status', status: 520 });
        const response = await send('as');
        expect(response.status).toBe(520);
        expect(response.body.error['@permanent']).toBe(false);
        expect(await stored()).toEqual(['as']);
        const log = await bed.kusto.requests();
        expect(log.at(-1)).toMatchObject({ status: 520, fault: 'applied-then-status', records: 1 });
    });

    it('then hang: the rows are committed and no answer comes', async () => {
        await inject({ kind: 'applied', then: 'hang' });
        expect(await answeredWithin(300, send('ah'))).toBe('no answer');
        expect(await stored()).toEqual(['ah']);
    });

    it('a retry after the lost answer duplicates the rows, and the dedup view removes them', async () => {
        await bed.admin.mgmt(
            db,
            '.create ifnotexists materialized-view Product_deduped on table Product { Product | summarize take_any(*) by EventId }',
        );
        await inject({ kind: 'applied', then: 'status', status: 503 });
        expect((await send('dup:0')).status).toBe(503);
        expect((await send('dup:0')).status).toBe(200);
        expect(countOf(await bed.admin.query(db, 'Product | count'))).toBe(2);
        expect(countOf(await bed.admin.query(db, 'Product_deduped | count'))).toBe(1);
    });
});

describe('fault validation', () => {
    it('refuses incomplete or unknown faults with a control 400', async () => {
        const post = (body: unknown) =>
            fetch(`${bed.kusto.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify(body) });
        for (const body of [
            { kind: 'status' },
            { kind: 'applied' },
            { kind: 'applied', then: 'status' },
            { kind: 'status', status: 418 },
            { kind: 'status', status: 404, operation: 'query' },
            { kind: 'delay' },
            { kind: 'hang', datasetId: 'x' },
        ]) {
            const response = await post(body);
            expect(response.status).toBe(400);
            const answer = (await response.json()) as { error: { code: string } };
            expect(answer.error.code).toBe('ControlBadRequest');
        }
        expect(await bed.kusto.faults()).toEqual([]);
    });
});
