import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRelayConfig } from '../../src/config/relayConfig';
import { applyEventhouseSetup } from '../../src/eventhouse/applyEventhouseSetup';
import { createEventhouseClient, type EventhouseClient } from '../../src/eventhouse/eventhouseClient';
import { toEventId } from '../../src/eventhouse/kustoTableSchema';
import type { SetupItem } from '../../src/eventhouse/planEventhouseSetup';
import { toEventhouseSetupTargets } from '../../src/eventhouse/toEventhouseSetupTargets';
import {
    adminClientId,
    countOf,
    fqn,
    relayClientId,
    startKustoTestBed,
    tenantId,
    type KustoTestBed,
} from '../kusto-emulator/support/kustoTestBed';
import { tokenCredentialOf } from '../kusto-emulator/support/tokenCredentialOf';

const db = 'Telemetry';
let bed: KustoTestBed;
let admin: EventhouseClient;

const config = parseRelayConfig(
    {
        datasets: [
            {
                name: 'Sales',
                eventhouse: { database: db, tables: { Orders: { view: 'OrdersOnce' } } },
                tables: [
                    {
                        name: 'Orders',
                        columns: [
                            { name: 'Id', dataType: 'Int64' },
                            { name: 'Amount', dataType: 'Decimal' },
                            { name: 'where', dataType: 'String' },
                        ],
                    },
                ],
            },
        ],
    },
    'test',
);
const [target] = toEventhouseSetupTargets(config, undefined, { clientId: relayClientId, tenantId });
const desired = target!.desired;

const clientOf = (clientId: string) =>
    createEventhouseClient({
        queryServiceUri: bed.kusto.url,
        credential: tokenCredentialOf(bed, clientId),
        scope: 'https://kusto.kusto.windows.net/.default',
    });

beforeAll(async () => {
    bed = await startKustoTestBed('Unused');
    admin = clientOf(adminClientId);
});
afterAll(async () => {
    await bed.close();
});
beforeEach(async () => {
    await bed.kusto.reset();
    await bed.kusto.createDatabase({ name: db, admins: [fqn(adminClientId)], ingestors: [], viewers: [] });
});

const results = (items: [SetupItem, string][]) => items.map(([item, result]) => `${item.what}:${result}`);

describe('applyEventhouseSetup against the Kusto emulator', () => {
    it('creates what the relay delivers through, and a second run finds everything in place', async () => {
        const seen: [SetupItem, string][] = [];
        const first = await applyEventhouseSetup(admin, desired, {
            onItem: (item, result) => seen.push([item, result]),
        });
        expect(first.outcome).toBe('done');
        expect(results(seen)).toEqual([
            'table:applied',
            'mapping:applied',
            'view:applied',
            'role:applied',
            'role:applied',
        ]);
        const [table] = await bed.kusto.tables({ database: db, table: 'Orders' });
        expect(table?.columns.map((column) => `${column.name}:${column.type}`)).toEqual([
            'EventId:string',
            'Id:long',
            'Amount:decimal',
            'where:string',
            'IngestionId:string',
        ]);
        const second = await applyEventhouseSetup(admin, desired);
        expect(second).toMatchObject({ outcome: 'done', applied: [] });
        expect(second.plan.items.every((item) => item.outcome.kind === 'ok')).toBe(true);
    });

    it('lets the relay ingest through the mapping as Ingestor and read one row per EventId in the view as Viewer', async () => {
        await applyEventhouseSetup(admin, desired);
        const relay = clientOf(relayClientId);
        const rows = [0, 1].map((index) => ({
            EventId: toEventId('ing-1', index),
            Id: index,
            Amount: '1.5',
            where: 'here',
            IngestionId: 'ing-1',
        }));
        await relay.ingest(db, 'Orders', 'Orders_json', rows);
        await relay.ingest(db, 'Orders', 'Orders_json', rows);
        const raw = await relay.query(db, "['Orders'] | count");
        const deduplicated = await relay.query(db, 'materialized_view("OrdersOnce") | count');
        expect([raw.rows[0]?.[0], deduplicated.rows[0]?.[0]]).toEqual([4, 2]);
    });

    it('backfills the view: rows ingested before it existed are in it', async () => {
        await bed.admin.mgmt(db, '.create-merge table Orders (EventId:string, Id:long)');
        const seeded = await bed.admin.mgmt(
            db,
            `.create-or-alter table Orders ingestion json mapping 'seed' '[{"column":"EventId","path":"$.EventId"},{"column":"Id","path":"$.Id"}]'`,
        );
        expect(seeded.status).toBe(200);
        const ingested = await bed.admin.ingest(
            db,
            'Orders',
            '{"EventId":"old:0","Id":1}\n{"EventId":"old:0","Id":1}',
            {
                mapping: 'seed',
            },
        );
        expect(ingested.status).toBe(200);
        expect((await applyEventhouseSetup(admin, desired)).outcome).toBe('done');
        expect(countOf(await bed.admin.query(db, 'materialized_view("OrdersOnce") | count'))).toBe(1);
        const polls = (await bed.kusto.requests()).filter((entry) => /^\.show operations/i.test(entry.csl ?? ''));
        expect(polls).toHaveLength(1);
    });

    it('reports a column whose type differs, naming it, and runs nothing', async () => {
        await bed.admin.mgmt(db, '.create-merge table Orders (EventId:string, Id:string)');
        await bed.kusto.clearRequests();
        const report = await applyEventhouseSetup(admin, desired);
        expect(report.outcome).toBe('blocked');
        expect(report.outcome === 'blocked' && report.problems).toEqual([
            expect.stringMatching(/^table 'Orders': column 'Id' is string, Sales\/Orders needs long/),
        ]);
        const commands = (await bed.kusto.requests()).map((entry) => entry.csl ?? '');
        expect(commands.every((csl) => csl.startsWith('.show'))).toBe(true);
        const [table] = await bed.kusto.tables({ database: db, table: 'Orders' });
        expect(table?.columns.map((column) => column.type)).toEqual(['string', 'string']);
    });

    /** The admin client, with `fault` injected into the emulator just before the first command that starts with `prefix`. */
    const faultBefore = (prefix: string, fault: Parameters<KustoTestBed['kusto']['injectFaults']>[0]) => {
        let armed = true;
        return {
            management: async (database: string, csl: string) => {
                if (armed && csl.startsWith(prefix)) {
                    armed = false;
                    await bed.kusto.injectFaults({ ...fault, operation: 'mgmt', database: db });
                }
                return admin.management(database, csl);
            },
        };
    };

    it('stops at a failed command with the reason, and the next run picks up where it stopped', async () => {
        const seen: [SetupItem, string][] = [];
        const failed = await applyEventhouseSetup(
            faultBefore('.create-or-alter', { kind: 'status', status: 520 }),
            desired,
            {
                onItem: (item, result) => seen.push([item, result]),
            },
        );
        expect(results(seen)).toEqual(['table:applied', 'mapping:failed']);
        expect(failed).toMatchObject({
            outcome: 'failed',
            problems: [expect.stringMatching(/^mapping 'Orders_json' of table 'Orders': could not create: /)],
        });
        const next = await applyEventhouseSetup(admin, desired);
        expect(next.outcome === 'done' && next.applied.map((item) => item.what)).toEqual([
            'mapping',
            'view',
            'role',
            'role',
        ]);
    });

    it('after a command whose answer was lost, says it may have run, and the next run finds it in place', async () => {
        const lost = await applyEventhouseSetup(
            faultBefore('.create-merge', { kind: 'applied', then: 'reset' }),
            desired,
        );
        expect(lost).toMatchObject({
            outcome: 'failed',
            problems: [expect.stringContaining('The command may or may not have run; run the setup again')],
        });
        const next = await applyEventhouseSetup(admin, desired);
        expect(next.plan.items[0]?.outcome.kind).toBe('ok');
        expect(next.outcome).toBe('done');
    });

    it('names the Admin role when the signed-in user is only a Viewer', async () => {
        await bed.kusto.reset();
        await bed.kusto.createDatabase({
            name: db,
            admins: [fqn(adminClientId)],
            ingestors: [],
            viewers: [fqn(relayClientId)],
        });
        const report = await applyEventhouseSetup(clientOf(relayClientId), desired);
        expect(report).toMatchObject({
            outcome: 'blocked',
            problems: [
                `Ingestor role of ${fqn(relayClientId)}: reading the database principals needs the Admin role`,
                `Viewer role of ${fqn(relayClientId)}: reading the database principals needs the Admin role`,
            ],
        });
    });
});
