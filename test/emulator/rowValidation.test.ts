import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedDateTimes, refusedDateTimes } from '../support/dateTimeFormats';
import { startTestBed, type TestBed } from './support/powerBiTestBed';

let bed: TestBed;
let rowsPath: string;
beforeAll(async () => {
    bed = await startTestBed({ limits: { maxPostRowsRequestsPerMinute: 10_000 } });
    const created = await bed.api.post(`${bed.group}/datasets`, {
        name: 'Types',
        tables: [
            {
                name: 'Values',
                columns: [
                    { name: 'i', dataType: 'Int64' },
                    { name: 'd', dataType: 'Double' },
                    { name: 'b', dataType: 'Boolean' },
                    { name: 't', dataType: 'DateTime' },
                    { name: 's', dataType: 'String' },
                    { name: 'm', dataType: 'Decimal' },
                ],
            },
        ],
    });
    rowsPath = `${bed.group}/datasets/${created.body.id}/tables/Values/rows`;
});
afterAll(async () => {
    await bed.emulator.close();
});

const post = (row: Record<string, unknown>) => bed.api.post(rowsPath, { rows: [row] });
const storedRows = async () =>
    (await bed.emulator.datasets()).find((dataset) => dataset.name === 'Types')!.tables[0]!.rows!;

describe('row validation by column type', () => {
    it.each([
        ['Int64', { i: 42 }, 200],
        ['Int64 negative', { i: -9_007_199_254_740_991 }, 200],
        ['Int64 fraction', { i: 1.5 }, 400],
        ['Int64 as string', { i: '42' }, 400],
        ['Int64.MaxValue', { i: 9223372036854775807n.toString() }, 400],
        ['Double', { d: 3.25 }, 200],
        ['Double as string NaN', { d: 'NaN' }, 400],
        ['Boolean', { b: false }, 200],
        ['Boolean as string', { b: 'true' }, 400],
        ['Boolean as number', { b: 1 }, 400],
        ['DateTime ISO with zone', { t: '2025-01-06T09:30:00.123+02:00' }, 200],
        ['DateTime ISO date only', { t: '2025-01-06' }, 200],
        ['DateTime US (spec example)', { t: '07/30/2014' }, 200],
        ['DateTime garbage', { t: 'yesterday' }, 400],
        ['DateTime impossible date', { t: '02/30/2024' }, 400],
        ['DateTime as number', { t: 1736150000000 }, 400],
        ['String', { s: 'x'.repeat(4000) }, 200],
        ['String over 4,000 characters', { s: 'x'.repeat(4001) }, 400],
        ['String as number', { s: 5 }, 400],
        ['Decimal scale 4', { m: 12.3456 }, 200],
        ['Decimal scale 5', { m: 1.23456 }, 400],
        ['Decimal 24 integer digits', { m: 1e23 }, 200],
        ['Decimal beyond precision 28', { m: 1e25 }, 400],
        ['Decimal tiny exponent', { m: 1e-7 }, 400],
        ['null in any column', { i: null, d: null, b: null, t: null, s: null, m: null }, 200],
        ['unknown column', { nope: 1 }, 400],
        ['column name in the wrong case', { I: 1 }, 400],
    ])('%s -> %i', async (_name, row, status) => {
        const response = await post(row);
        expect(response.status).toBe(status);
        if (status === 400) {
            expect(response.body.error.code).toBe('BadRequest');
            expect(response.body.error.details[0].target).toMatch(/^rows\[0\]\./);
        }
    });

    it('rejects Int64.MinValue and Int64.MaxValue written as JSON numbers', async () => {
        for (const literal of ['9223372036854775807', '-9223372036854775808']) {
            const response = await bed.api.post(rowsPath, `{"rows":[{"i":${literal}}]}`);
            expect(response.status, literal).toBe(400);
        }
    });

    it('rejects Double.MaxValue and Double.MinValue and overflowing numbers', async () => {
        for (const literal of ['1.7976931348623157e308', '-1.7976931348623157e308', '1e400']) {
            const response = await bed.api.post(rowsPath, `{"rows":[{"d":${literal}}]}`);
            expect(response.status, literal).toBe(400);
        }
    });

    it('stores DateTime values quantised to 1/300 s in UTC', async () => {
        await bed.api.delete(rowsPath);
        await post({ t: '2025-01-06T09:30:00.001Z' });
        await post({ t: '2025-01-06T11:30:00.005+02:00' });
        expect((await storedRows()).map((row) => row.t)).toEqual([
            '2025-01-06T09:30:00.000Z',
            '2025-01-06T09:30:00.007Z',
        ]);
    });

    it('accepts exactly the DateTime forms the relay accepts, each as the same UTC instant (within 1/300 s)', async () => {
        await bed.api.delete(rowsPath);
        for (const [input] of acceptedDateTimes) expect((await post({ t: input })).status, input).toBe(200);
        const stored = (await storedRows()).map((row) => Date.parse(String(row.t)));
        acceptedDateTimes.forEach(([input, utc], index) => {
            expect(Math.abs(stored[index]! - Date.parse(utc)), input).toBeLessThanOrEqual(2);
        });
        for (const input of refusedDateTimes) expect((await post({ t: input })).status, input).toBe(400);
    });

    it('refuses impossible dates instead of rolling them over, and never rounds past year 9999', async () => {
        await bed.api.delete(rowsPath);
        const impossible = await post({ t: '2014-02-30' });
        expect(impossible.status).toBe(400);
        expect(impossible.body.error.details).toEqual([
            {
                message: "Column 't' of type DateTime could not parse '2014-02-30' as a date-time.",
                target: 'rows[0].t',
            },
        ]);
        expect((await post({ t: '9999-12-31T23:59:59.999Z' })).status).toBe(200);
        expect((await storedRows()).map((row) => row.t)).toEqual(['9999-12-31T23:59:59.997Z']);
    });

    it('is all-or-nothing: one bad row rejects the whole request', async () => {
        await bed.api.delete(rowsPath);
        const response = await bed.api.post(rowsPath, { rows: [{ i: 1 }, { i: 'two' }, { i: 3 }] });
        expect(response.status).toBe(400);
        expect(response.body.error.details).toEqual([expect.objectContaining({ target: 'rows[1].i' })]);
        expect(await storedRows()).toEqual([]);
    });

    it('requires {"rows": [...]} and rejects other properties', async () => {
        expect((await bed.api.post(rowsPath, {})).status).toBe(400);
        expect((await bed.api.post(rowsPath, { rows: [{ i: 1 }], sequenceNumber: 1 })).status).toBe(400);
        expect((await bed.api.post(rowsPath, { rows: [1, 2] })).status).toBe(400);
    });
});
