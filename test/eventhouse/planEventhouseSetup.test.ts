import { describe, expect, it } from 'vitest';
import type { EventhouseSetupState } from '../../src/eventhouse/eventhouseSetupState';
import { toDedupViewCommand, toJsonMapping, toKustoTable } from '../../src/eventhouse/kustoTableSchema';
import { planEventhouseSetup, type DesiredEventhouseSetup } from '../../src/eventhouse/planEventhouseSetup';

const clientId = 'c1000000-0000-4000-8000-00000000c11e';
const tenantId = '00000000-0000-0000-0000-00000000e3e1';
const table = toKustoTable(
    {
        name: 'Orders',
        columns: [
            { name: 'Id', dataType: 'Int64', required: true },
            { name: 'Amount', dataType: 'Decimal', required: false },
        ],
    },
    { table: 'Orders' },
);
const desired: DesiredEventhouseSetup = {
    database: 'Telemetry',
    tables: [{ source: 'Sales/Orders', table, mapping: 'Orders_json', view: 'Orders_dedup' }],
    identity: { clientId, tenantId },
};
const empty: EventhouseSetupState = { tables: [], views: [], principals: [] };

/** The state after every planned command ran, in the shape the service reports it. */
const complete: EventhouseSetupState = {
    tables: [
        {
            name: 'Orders',
            columns: table.columns,
            mappings: [{ name: 'Orders_json', text: JSON.stringify(toJsonMapping(table)) }],
        },
    ],
    views: [{ name: 'Orders_dedup', sourceTable: 'Orders', query: "['Orders'] | summarize take_any(*) by EventId" }],
    principals: [
        { role: 'Ingestor', fqn: `aadapp=${clientId};${tenantId}` },
        { role: 'Viewer', fqn: `aadapp=${clientId.toUpperCase()};${tenantId}` },
    ],
};

const steps = (state: EventhouseSetupState, wanted = desired) =>
    planEventhouseSetup(state, wanted).items.flatMap((item) =>
        item.outcome.kind === 'step' ? [item.outcome.command] : [],
    );

describe('planEventhouseSetup', () => {
    it('plans the table, mapping, view and both roles for an empty database, in that order', () => {
        expect(steps(empty)).toEqual([
            ".create-merge table ['Orders'] (['EventId']:string, ['Id']:long, ['Amount']:decimal, ['IngestionId']:string)",
            `.create-or-alter table ['Orders'] ingestion json mapping 'Orders_json' '${JSON.stringify(toJsonMapping(table)).replace(/'/g, "\\'")}'`,
            toDedupViewCommand({ table: 'Orders', view: 'Orders_dedup' }),
            `.add database ['Telemetry'] ingestors ('aadapp=${clientId};${tenantId}') 'pbi-relay managed identity'`,
            `.add database ['Telemetry'] viewers ('aadapp=${clientId};${tenantId}') 'pbi-relay managed identity'`,
        ]);
        expect(planEventhouseSetup(empty, desired).items.find((item) => item.what === 'view')?.outcome).toMatchObject({
            async: true,
        });
    });

    it('plans nothing once everything is in place (ids in any case, the view query in the service form)', () => {
        expect(steps(complete)).toEqual([]);
        const bare = {
            ...complete,
            views: [{ ...complete.views[0]!, query: 'Orders\n| summarize take_any(*) by EventId' }],
        };
        expect(steps(bare)).toEqual([]);
    });

    it('accepts the mapping in the service form ({Column, DataType, Properties: {Path}})', () => {
        const stored = toJsonMapping(table).map((element) => ({
            Column: element.column,
            DataType: element.datatype === 'long' ? 'Int64' : element.datatype,
            Properties: { Path: element.path.replace(/^\$\['(\w+)'\]$/, '$.$1') },
        }));
        const state = {
            ...complete,
            tables: [{ ...complete.tables[0]!, mappings: [{ name: 'Orders_json', text: JSON.stringify(stored) }] }],
        };
        expect(steps(state)).toEqual([]);
    });

    it('adds only the missing columns with .create-merge and updates a mapping that differs', () => {
        const state: EventhouseSetupState = {
            ...complete,
            tables: [
                {
                    name: 'Orders',
                    columns: [table.columns[0]!, table.columns[1]!, { name: 'Note', type: 'string' }],
                    mappings: [{ name: 'Orders_json', text: JSON.stringify(toJsonMapping(table).slice(0, 2)) }],
                },
            ],
        };
        const items = planEventhouseSetup(state, desired).items.filter((item) => item.outcome.kind === 'step');
        expect(items.map((item) => [item.what, item.outcome.kind === 'step' && item.outcome.change])).toEqual([
            ['table', "add columns 'Amount', 'IngestionId'"],
            ['mapping', 'update (it maps other columns or paths)'],
        ]);
    });

    it('reports a column type change as a conflict naming the column, never as a step', () => {
        const state: EventhouseSetupState = {
            ...complete,
            tables: [
                {
                    ...complete.tables[0]!,
                    columns: [
                        { name: 'EventId', type: 'string' },
                        { name: 'Id', type: 'string' },
                    ],
                },
            ],
        };
        const item = planEventhouseSetup(state, desired).items.find((candidate) => candidate.what === 'table');
        expect(item?.outcome).toEqual({
            kind: 'conflict',
            message: expect.stringMatching(
                /^column 'Id' is string, Sales\/Orders needs long\. \.create-merge cannot change/,
            ),
        });
        expect(steps(state).some((command) => command.startsWith('.create-merge'))).toBe(false);
    });

    it('reports a view on another table or key as a conflict, and a table named like the view', () => {
        const other = {
            ...complete,
            views: [{ name: 'Orders_dedup', sourceTable: 'Orders', query: 'Orders | summarize take_any(*) by Id' }],
        };
        expect(planEventhouseSetup(other, desired).items.find((item) => item.what === 'view')?.outcome).toMatchObject({
            kind: 'conflict',
            message: expect.stringContaining('the setup does not drop views'),
        });
        const clash = { ...empty, tables: [{ name: 'Orders_dedup', columns: [], mappings: [] }] };
        expect(planEventhouseSetup(clash, desired).items.find((item) => item.what === 'view')?.outcome.kind).toBe(
            'conflict',
        );
    });

    it('counts the Admin role for both roles and a principal of another tenant for neither', () => {
        expect(steps({ ...complete, principals: [{ role: 'Admin', fqn: `aadapp=${clientId}` }] })).toEqual([]);
        const elsewhere = { ...complete, principals: [{ role: 'Ingestor', fqn: `aadapp=${clientId};another-tenant` }] };
        expect(steps(elsewhere)).toHaveLength(2);
    });

    it('marks what the caller may not read as unreadable, and plans no roles without an identity', () => {
        const forbidden: EventhouseSetupState = {
            ...complete,
            tables: [{ ...complete.tables[0]!, mappings: 'forbidden' }],
            principals: 'forbidden',
        };
        const kinds = planEventhouseSetup(forbidden, desired).items.map((item) => `${item.what}:${item.outcome.kind}`);
        expect(kinds).toEqual(['table:ok', 'mapping:unreadable', 'view:ok', 'role:unreadable', 'role:unreadable']);
        const withoutIdentity = { database: desired.database, tables: desired.tables };
        expect(planEventhouseSetup(empty, withoutIdentity).items.map((item) => item.what)).toEqual([
            'table',
            'mapping',
            'view',
        ]);
    });
});
