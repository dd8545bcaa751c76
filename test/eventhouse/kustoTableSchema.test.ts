import { describe, expect, it } from 'vitest';
import { tokenizeCsl } from '../../kusto-emulator/commands/tokenizeCsl';
import { parseJsonPath } from '../../kusto-emulator/ingest/jsonPath';
import { parseRelayConfig } from '../../src/config/relayConfig';
import { kustoName, kustoString } from '../../src/eventhouse/kustoLiterals';
import {
    eventhouseNames,
    toDedupViewCommand,
    toEventId,
    toJsonMapping,
    toKustoTable,
} from '../../src/eventhouse/kustoTableSchema';

const config = parseRelayConfig(
    {
        datasets: [
            {
                name: 'Sales',
                tables: [
                    {
                        name: 'Orders',
                        columns: [
                            { name: 'Id', dataType: 'int64' },
                            { name: 'Amount', dataType: 'Decimal' },
                            { name: 'Rate', dataType: 'Double' },
                            { name: 'Paid', dataType: 'bool' },
                            { name: 'At', dataType: 'DateTime' },
                            { name: "Customer's name", dataType: 'String' },
                        ],
                    },
                ],
            },
        ],
    },
    'test',
);
const orders = config.datasets[0]!.tables[0]!;

describe('Kusto table shape', () => {
    it('names the table, mapping and view after the Power BI table unless the config names them', () => {
        expect(eventhouseNames({}, 'Orders')).toEqual({
            table: 'Orders',
            mapping: 'Orders_json',
            view: 'Orders_dedup',
        });
        expect(
            eventhouseNames({ eventhouse: { database: 'D', tables: { Orders: { view: 'OrdersOnce' } } } }, 'Orders'),
        ).toEqual({
            table: 'Orders',
            mapping: 'Orders_json',
            view: 'OrdersOnce',
        });
        expect(
            eventhouseNames(
                { eventhouse: { database: 'D', tables: { Orders: { table: 'o', mapping: 'm', view: 'v' } } } },
                'Orders',
            ),
        ).toEqual({ table: 'o', mapping: 'm', view: 'v' });
    });

    it('puts EventId first, the Power BI columns in order with Kusto types, then IngestionId', () => {
        expect(toKustoTable(orders, { table: 'OrdersRaw' })).toEqual({
            name: 'OrdersRaw',
            columns: [
                { name: 'EventId', type: 'string' },
                { name: 'Id', type: 'long' },
                { name: 'Amount', type: 'decimal' },
                { name: 'Rate', type: 'real' },
                { name: 'Paid', type: 'bool' },
                { name: 'At', type: 'datetime' },
                { name: "Customer's name", type: 'string' },
                { name: 'IngestionId', type: 'string' },
            ],
        });
    });

    it('refuses a Power BI column named like a column the sink adds', () => {
        const table = { name: 'T', columns: [{ name: 'EventId', dataType: 'String' as const, required: false }] };
        expect(() => toKustoTable(table, { table: 'T' })).toThrow(/column "EventId", which the Eventhouse sink adds/);
    });

    it('maps every column from the property of the same name, with its type', () => {
        const mapping = toJsonMapping(toKustoTable(orders, { table: 'Orders' }));
        expect(mapping[0]).toEqual({ column: 'EventId', path: "$['EventId']", datatype: 'string' });
        expect(mapping[2]).toEqual({ column: 'Amount', path: "$['Amount']", datatype: 'decimal' });
        const quoted = mapping.find((element) => element.column === "Customer's name");
        expect(quoted?.path).toBe("$['Customer\\'s name']");
        expect(parseJsonPath(quoted!.path)).toEqual(["Customer's name"]);
        expect(mapping.map((element) => element.column)).toEqual(
            toKustoTable(orders, { table: 'Orders' }).columns.map((column) => column.name),
        );
    });

    it('creates the dedup view asynchronously with backfill, names bracket-quoted', () => {
        expect(toDedupViewCommand({ table: 'Orders', view: 'Orders_dedup' })).toBe(
            ".create async ifnotexists materialized-view with (backfill=true) ['Orders_dedup'] on table ['Orders'] " +
                "{ ['Orders'] | summarize take_any(*) by EventId }",
        );
        const names = tokenizeCsl(toDedupViewCommand({ table: 'where', view: "it's" }))
            .filter((token) => token.kind === 'name' && token.quoted)
            .map((token) => token.text);
        expect(names).toEqual(["it's", 'where', 'where']);
    });

    it('derives the EventId from the ingestion id and the row index', () => {
        expect(toEventId('ing-1', 0)).toBe('ing-1:0');
        expect(toEventId('ing-1', 41)).toBe('ing-1:41');
    });

    it('quotes names and strings so a quote, backslash or line break stays inside the literal', () => {
        const text = "a'b\\c\nd";
        const [name] = tokenizeCsl(kustoName(text));
        expect(name).toMatchObject({ kind: 'name', quoted: true, text });
        const [literal] = tokenizeCsl(kustoString(text));
        expect(literal).toMatchObject({ kind: 'string', text });
    });
});
