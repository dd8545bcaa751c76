import { isLosslessNumber, LosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { parseRelayConfig } from '../../src/config/relayConfig';
import { parseJsonLosslessly } from '../../src/ingest/parseJsonLosslessly';
import { readDecimal, toPlainText } from '../../src/ingest/readDecimal';
import { withPlainNumbers } from '../../src/ingest/sources/withPlainNumbers';
import { validateRows } from '../../src/ingest/validateRows';
import { createPowerBiClient } from '../../src/powerbi/powerBiClient';
import { stubHttpClient } from '../support/stubHttpClient';

const table = parseRelayConfig(
    {
        datasets: [
            {
                name: 'Ledger',
                tables: [
                    {
                        name: 'Entries',
                        columns: [
                            { name: 'Id', dataType: 'Int64', required: true },
                            { name: 'Amount', dataType: 'Decimal' },
                            { name: 'Ratio', dataType: 'Double' },
                        ],
                    },
                ],
            },
        ],
    },
    'test',
).datasets[0]!.tables[0]!;

/** validateRows over the rows of a request body as the webhook reads it. */
const validateBody = (text: string) =>
    validateRows(table, (parseJsonLosslessly(text).json as { rows: unknown[] }).rows);

const errorsOf = (row: string) => {
    const result = validateBody(`{"rows":[${row}]}`);
    return result.ok ? [] : result.errors.map((e) => `row ${e.row} ${e.column ?? ''}: ${e.reason}`);
};

describe('parseJsonLosslessly', () => {
    it('keeps a number a double cannot hold as its digits, and every other number a number', () => {
        const { json, exactNumbers } = parseJsonLosslessly(
            '{"a":123456789012345678901234,"b":9223372036854775806,"c":1.5,"d":1e17,"e":0.1,"f":"12345678901234567"}',
        );
        const value = json as Record<string, unknown>;
        expect(exactNumbers).toBe(true);
        expect(value.a).toEqual(new LosslessNumber('123456789012345678901234'));
        expect(value.b).toEqual(new LosslessNumber('9223372036854775806'));
        // 1e17 is a double exactly, but beyond 2^53, where JavaScript integers stop being exact.
        expect(value.d).toEqual(new LosslessNumber('1e17'));
        expect([value.c, value.e, value.f]).toEqual([1.5, 0.1, '12345678901234567']);
    });

    it('is JSON.parse for a body without a long number, and keeps the last of duplicate keys as JSON.parse does', () => {
        expect(parseJsonLosslessly('{"rows":[{"Id":1,"Id":2}]}')).toEqual({
            json: { rows: [{ Id: 2 }] },
            exactNumbers: false,
        });
        expect(parseJsonLosslessly('{"Id":1,"Id":2,"Big":12345678901234567890}').json).toMatchObject({ Id: 2 });
        // As with JSON.parse, "__proto__" is a property like any other, not the object's prototype.
        const tricky = parseJsonLosslessly('{"__proto__":{"x":1},"Amount":12345678901234567890}').json as object;
        expect(Object.keys(tricky)).toEqual(['__proto__', 'Amount']);
        expect(Object.getPrototypeOf(tricky)).toBe(Object.prototype);
    });
});

describe('readDecimal', () => {
    it.each([
        ['123456789012345678901234', '123456789012345678901234', 24, 0],
        ['-0.00010', '-0.0001', 0, 4],
        ['1.5e3', '1500', 4, 0],
        ['1e+21', '1000000000000000000000', 22, 0],
        ['12.34e-1', '1.234', 1, 3],
        ['000.000', '0', 0, 0],
        ['-0', '0', 0, 0],
    ])('reads %s as %s (%i digits before the point, scale %i)', (literal, plain, integerDigits, scale) => {
        const decimal = readDecimal(literal)!;
        expect(toPlainText(decimal)).toBe(plain);
        expect([decimal.integerDigits, decimal.scale]).toEqual([integerDigits, scale]);
    });

    it('reads an exponent no double holds without writing it out, and refuses what is not a number', () => {
        expect(readDecimal('1e999999999')?.integerDigits).toBe(1_000_000_000);
        expect(readDecimal('1e-400')?.scale).toBe(400);
        expect(readDecimal('0x10')).toBeUndefined();
        expect(readDecimal('1.')).toBeUndefined();
    });
});

describe('validateRows with exact numbers', () => {
    it('keeps the digits of a 24-digit Decimal and of Int64 values beyond 2^53, and names their columns', () => {
        const result = validateBody(
            '{"rows":[{"Id":9223372036854775806,"Amount":123456789012345678901234},{"Id":-9223372036854775807,"Amount":12345678901234567890.1234},{"Id":7,"Amount":1.5}]}',
        );
        expect(result).toEqual({
            ok: true,
            rows: [
                { Id: '9223372036854775806', Amount: '123456789012345678901234' },
                { Id: '-9223372036854775807', Amount: '12345678901234567890.1234' },
                { Id: 7, Amount: 1.5 },
            ],
            droppedColumns: [],
            exactColumns: ['Amount', 'Id'],
        });
    });

    it('refuses Int64.MaxValue and MinValue, which Power BI does not allow, naming row and column', () => {
        const range =
            'is outside the Int64 range Power BI takes (-9223372036854775807 to 9223372036854775806; Int64.MinValue and Int64.MaxValue are not allowed)';
        expect(errorsOf('{"Id":1},{"Id":9223372036854775807}')).toEqual([`row 1 Id: ${range}`]);
        expect(errorsOf('{"Id":-9223372036854775808}')).toEqual([`row 0 Id: ${range}`]);
        expect(errorsOf('{"Id":123456789012345678901234567890}')).toEqual([`row 0 Id: ${range}`]);
        expect(errorsOf('{"Id":1e400}')).toEqual([`row 0 Id: ${range}`]);
        expect(errorsOf('{"Id":12345678901234567.5}')).toEqual(['row 0 Id: must be a whole JSON number (Int64)']);
    });

    it('refuses a Decimal Power BI cannot hold (precision 28, scale 4), however many digits it has', () => {
        expect(errorsOf('{"Id":1,"Amount":1234567890123456789012345}')).toEqual([
            'row 0 Amount: has more than 24 digits before the decimal point (Decimal precision 28, scale 4)',
        ]);
        expect(errorsOf('{"Id":1,"Amount":1234567890123456789.12345}')).toEqual([
            'row 0 Amount: has more than 4 decimal places (Decimal scale 4)',
        ]);
        expect(errorsOf('{"Id":1,"Amount":1e-400}')).toEqual([
            'row 0 Amount: has more than 4 decimal places (Decimal scale 4)',
        ]);
        expect(errorsOf('{"Id":1,"Amount":1e999999999}')).toEqual([
            'row 0 Amount: has more than 24 digits before the decimal point (Decimal precision 28, scale 4)',
        ]);
    });

    it('gives a Double the nearest double, as Power BI stores it', () => {
        expect(validateBody('{"rows":[{"Id":1,"Ratio":0.12345678901234567890}]}')).toMatchObject({
            ok: true,
            rows: [{ Id: 1, Ratio: 0.12345678901234568 }],
            exactColumns: [],
        });
        expect(errorsOf('{"Id":1,"Ratio":1e400}')).toEqual(['row 0 Ratio: must be a finite JSON number (Double)']);
    });
});

describe('withPlainNumbers (sources)', () => {
    it('gives JSONata doubles and the mapped rows the digits of the numbers they took over', () => {
        const { json } = parseJsonLosslessly('{"amount":123456789012345678901234,"id":9223372036854775806,"n":2}');
        const plain = withPlainNumbers(json);
        const amount = Number('123456789012345678901234');
        const id = Number('9223372036854775806');
        expect(plain.json).toEqual({ amount, id, n: 2 });
        const [row] = plain.restore([{ Amount: amount, Id: id, N: 2, Text: 'x' }]);
        expect(row).toEqual({
            Amount: new LosslessNumber('123456789012345678901234'),
            Id: new LosslessNumber('9223372036854775806'),
            N: 2,
            Text: 'x',
        });
    });

    it('leaves a double that several numbers of the payload share a double: its digits cannot be known', () => {
        const { json } = parseJsonLosslessly(
            '{"a":123456789012345678901234,"b":123456789012345678901235,"c":9007199254740993,"d":9007199254740992}',
        );
        const plain = withPlainNumbers(json);
        const [row] = plain.restore([{ A: Number('123456789012345678901234'), C: 2 ** 53 }]) as Record<
            string,
            unknown
        >[];
        expect(isLosslessNumber(row!.A)).toBe(false);
        expect(isLosslessNumber(row!.C)).toBe(false);
    });
});

describe('Add Rows with exact numbers', () => {
    it('sends them as JSON numbers with the same digits, and other bodies as JSON.stringify writes them', async () => {
        const httpClient = stubHttpClient(() => ({ status: 200 }));
        const client = createPowerBiClient({
            baseUrl: 'https://api.powerbi.com/v1.0/myorg',
            credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) },
            scope: 'https://analysis.windows.net/powerbi/api/.default',
            timeoutMs: 1000,
            httpClient,
        });
        await client.postRows('w', 'd', 'Entries', [
            { Id: new LosslessNumber('9223372036854775806'), Amount: new LosslessNumber('123456789012345678901234') },
            { Id: 1, Amount: 0.5 },
        ]);
        await client.postRows('w', 'd', 'Entries', [{ Id: 1, Amount: 0.5 }]);
        expect(httpClient.calls.map((call) => call.text)).toEqual([
            '{"rows":[{"Id":9223372036854775806,"Amount":123456789012345678901234},{"Id":1,"Amount":0.5}]}',
            '{"rows":[{"Id":1,"Amount":0.5}]}',
        ]);
    });
});
