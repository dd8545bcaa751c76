import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBed, type TestBed } from './support/powerBiTestBed';

const exactRow = '{"Id":9223372036854775806,"Amount":123456789012345678901234,"Ratio":0.12345678901234567890}';
const ledger = {
    name: 'Ledger',
    tables: [
        {
            name: 'Entries',
            columns: [
                { name: 'Id', dataType: 'Int64' },
                { name: 'Amount', dataType: 'Decimal' },
                { name: 'Ratio', dataType: 'Double' },
            ],
        },
    ],
};

let scratch: string;
let bed: TestBed;
let datasetId: string;
let rowsPath: string;
beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'pbi-exact-'));
    bed = await startTestBed({ dataDir: join(scratch, 'data'), limits: { maxPostRowsRequestsPerMinute: 10_000 } });
    datasetId = (await bed.api.post(`${bed.group}/datasets`, ledger)).body.id;
    rowsPath = `${bed.group}/datasets/${datasetId}/tables/Entries/rows`;
});
afterAll(async () => {
    await bed.emulator.close();
    rmSync(scratch, { recursive: true, force: true });
});

const postText = (rows: string) => bed.api.post(rowsPath, `{"rows":[${rows}]}`);
/** The control API's rows of Entries, as the text it answered (JSON.parse would round the numbers). */
const storedText = async () => (await bed.api.get(`/_emulator/datasets?includeRows=true`)).text;

describe('exact Int64 and Decimal values', () => {
    it('are stored and shown by the control API with the digits Add Rows sent', async () => {
        expect((await postText(exactRow)).status).toBe(200);
        expect(await storedText()).toContain(
            '"rows":[{"Id":9223372036854775806,"Amount":123456789012345678901234,"Ratio":0.12345678901234568}]',
        );
    });

    it('are answered by Execute Queries with their digits', async () => {
        const answer = await bed.api.post(`${bed.group}/datasets/${datasetId}/executeQueries`, {
            queries: [{ query: `EVALUATE 'Entries'` }],
        });
        expect(answer.status).toBe(200);
        expect(answer.text).toContain(
            '{"Entries[Id]":9223372036854775806,"Entries[Amount]":123456789012345678901234,"Entries[Ratio]":0.12345678901234568}',
        );
    });

    it('are refused where Power BI documents it: Int64.MinValue/MaxValue, Decimal beyond precision 28 or scale 4', async () => {
        const refusals = [
            ['{"Id":9223372036854775807}', "Column 'Id' of type Int64 does not allow Int64.MinValue"],
            ['{"Id":-9223372036854775808}', "Column 'Id' of type Int64 does not allow Int64.MinValue"],
            ['{"Id":12345678901234567.5}', "Column 'Id' of type Int64 requires an integer JSON number, got number"],
            ['{"Amount":1234567890123456789012345}', "Column 'Amount' of type Decimal allows precision 28 and scale 4"],
            ['{"Amount":1234567890123456789.12345}', "Column 'Amount' of type Decimal allows precision 28 and scale 4"],
            ['{"Amount":1e400}', "Column 'Amount' of type Decimal allows precision 28 and scale 4"],
        ] as const;
        for (const [row, message] of refusals) {
            const answer = await postText(`{"Id":1},${row}`);
            expect(answer.status, row).toBe(400);
            expect(answer.text, row).toContain(message);
            expect(answer.text, row).toContain('rows[1].');
        }
        expect((await postText('{"Id":-9223372036854775807,"Amount":-99999999999999999999.9999}')).status).toBe(200);
    });

    it('keep their digits across a restart (the state file)', async () => {
        await bed.emulator.close();
        bed = await startTestBed({ dataDir: join(scratch, 'data') });
        expect(await storedText()).toContain('{"Id":9223372036854775806,"Amount":123456789012345678901234');
        expect(await storedText()).toContain('{"Id":-9223372036854775807,"Amount":-99999999999999999999.9999}');
    });
});
