import { describe, expect, it } from 'vitest';
import { parseRelayConfig } from '../../src/config/relayConfig';
import { validateRows } from '../../src/ingest/validateRows';
import { acceptedDateTimes, refusedDateTimes } from '../support/dateTimeFormats';

const config = parseRelayConfig(
    {
        datasets: [
            {
                name: 'Types',
                tables: [
                    {
                        name: 'All',
                        columns: [
                            { name: 'Id', dataType: 'int64', required: true },
                            { name: 'Ratio', dataType: 'Double' },
                            { name: 'Flag', dataType: 'bool' },
                            { name: 'At', dataType: 'dateTime' },
                            { name: 'Text', dataType: 'string' },
                            { name: 'Amount', dataType: 'Decimal' },
                        ],
                    },
                ],
            },
        ],
    },
    'test',
);
const table = config.datasets[0]!.tables[0]!;

const errorsOf = (row: unknown) => {
    const result = validateRows(table, [row]);
    return result.ok ? [] : result.errors.map((e) => `${e.column ?? ''}: ${e.reason}`);
};

describe('validateRows', () => {
    it('accepts a row of every type and normalises DateTime to UTC', () => {
        const result = validateRows(table, [
            { Id: 1, Ratio: 0.5, Flag: true, At: '2024-05-01T14:30:00+02:00', Text: 'x', Amount: 12.3456 },
        ]);
        expect(result).toEqual({
            ok: true,
            rows: [{ Id: 1, Ratio: 0.5, Flag: true, At: '2024-05-01T12:30:00.000Z', Text: 'x', Amount: 12.3456 }],
            droppedColumns: [],
            exactColumns: [],
        });
    });

    it('treats a DateTime without offset as UTC and accepts a date alone', () => {
        const result = validateRows(table, [
            { Id: 1, At: '2024-05-01T10:00:00.1234' },
            { Id: 2, At: '2024-02-29' },
        ]);
        expect(result.ok && result.rows.map((r) => r.At)).toEqual([
            '2024-05-01T10:00:00.123Z',
            '2024-02-29T00:00:00.000Z',
        ]);
    });

    it.each(acceptedDateTimes)('accepts the DateTime %j as %s', (input, utc) => {
        const result = validateRows(table, [{ Id: 1, At: input }]);
        expect(result.ok && result.rows[0]!.At).toBe(utc);
    });

    it.each(refusedDateTimes)('refuses the DateTime %j', (input) => {
        expect(errorsOf({ Id: 1, At: input })).toEqual([
            'At: must be a real date-time string: ISO 8601 (e.g. 2024-05-01T12:30:00Z) or M/D/YYYY[ h:mm[:ss][ AM|PM]], years 1 to 9999',
        ]);
    });

    it.each([
        [{ Id: 1.5 }, 'Id: must be a whole JSON number (Int64)'],
        [{ Id: '1' }, 'Id: must be a whole JSON number (Int64)'],
        [
            { Id: 9007199254740992 },
            'Id: was computed beyond ±2^53, where a double has lost digits; map the value unchanged',
        ],
        [{ Id: 1, Ratio: Number.MAX_VALUE }, 'Ratio: must not be Double.MaxValue or Double.MinValue'],
        [{ Id: 1, Ratio: 'NaN' }, 'Ratio: must be a finite JSON number (Double)'],
        [{ Id: 1, Flag: 'true' }, 'Flag: must be true or false (Boolean)'],
        [
            { Id: 1, At: '2023-02-29' },
            'At: must be a real date-time string: ISO 8601 (e.g. 2024-05-01T12:30:00Z) or M/D/YYYY[ h:mm[:ss][ AM|PM]], years 1 to 9999',
        ],
        [
            { Id: 1, At: 1406678400000 },
            'At: must be a real date-time string: ISO 8601 (e.g. 2024-05-01T12:30:00Z) or M/D/YYYY[ h:mm[:ss][ AM|PM]], years 1 to 9999',
        ],
        [{ Id: 1, Text: 'x'.repeat(4001) }, 'Text: is 4001 characters long; Power BI accepts at most 4000'],
        [{ Id: 1, Amount: 1.23456 }, 'Amount: has more than 4 decimal places (Decimal scale 4)'],
        [
            { Id: 1, Amount: 1e25 },
            'Amount: has more than 24 digits before the decimal point (Decimal precision 28, scale 4)',
        ],
        [{ Id: 1, id: 2 }, 'id: is not a column of table "All" (names are case-sensitive)'],
        [{ Ratio: 1 }, 'Id: is required'],
        [{ Id: null }, 'Id: is required and must not be null'],
        [[1, 2], ': must be a JSON object of column names to values'],
    ])('rejects %j', (row, expected) => {
        expect(errorsOf(row)).toEqual([expected]);
    });

    it('accepts the limits themselves', () => {
        expect(
            errorsOf({ Id: -9007199254740991, Text: 'x'.repeat(4000), Amount: 99999999999.9999, Ratio: null }),
        ).toEqual([]);
    });

    it('names every bad row by index and counts them, and accepts nothing', () => {
        const result = validateRows(table, [{ Id: 1 }, { Id: 'a' }, { Id: 3 }, { Flag: 1 }]);
        expect(result).toEqual({
            ok: false,
            invalidRows: 2,
            errors: [
                { row: 1, column: 'Id', reason: 'must be a whole JSON number (Int64)' },
                { row: 3, column: 'Flag', reason: 'must be true or false (Boolean)' },
                { row: 3, column: 'Id', reason: 'is required' },
            ],
        });
    });

    it('caps the reported errors but still counts every bad row', () => {
        const result = validateRows(
            table,
            Array.from({ length: 5000 }, () => ({ Id: 'bad' })),
        );
        expect(result.ok).toBe(false);
        if (!result.ok) {
            expect(result.errors).toHaveLength(1000);
            expect(result.invalidRows).toBe(5000);
        }
    });

    it('drops properties that are not columns when the table says unknownColumns "drop", and names them', () => {
        const dropping = parseRelayConfig(
            {
                datasets: [
                    {
                        name: 'Hooks',
                        tables: [
                            {
                                name: 'Events',
                                unknownColumns: 'drop',
                                columns: [{ name: 'Id', dataType: 'Int64', required: true }],
                            },
                        ],
                    },
                ],
            },
            'test',
        ).datasets[0]!.tables[0]!;
        expect(
            validateRows(dropping, [
                { Id: 1, sender: 'x', zone: 1 },
                { Id: 2, action: null },
            ]),
        ).toEqual({
            ok: true,
            rows: [{ Id: 1 }, { Id: 2 }],
            droppedColumns: ['action', 'sender', 'zone'],
            exactColumns: [],
        });
        expect(validateRows(table, [{ Id: 1 }])).toEqual({
            ok: true,
            rows: [{ Id: 1 }],
            droppedColumns: [],
            exactColumns: [],
        });
    });
});
