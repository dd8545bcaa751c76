import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayLocally, type LocalRelay } from '../../local/startRelayLocally';
import { toQueueText } from '../../src/queue/rowsMessage';
import { waitFor } from '../support/waitFor';

/**
 * Int64 and Decimal values a double cannot hold, from the webhook and from a source (JSONata), through the rows queue
 * (messages versions 3 and 4) to the emulator's Add Rows, with the digits they were sent with; and version 1 and 2
 * messages already in the queue, which deliver as before.
 */
const root = join(__dirname, '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'pbi-relay-exact-'));

let local: LocalRelay;
beforeAll(async () => {
    const configPath = join(temp, 'exact.config.json');
    writeFileSync(
        configPath,
        JSON.stringify({
            datasets: [
                {
                    name: 'Ledger',
                    tables: [
                        {
                            name: 'Entries',
                            columns: [
                                { name: 'Id', dataType: 'Int64', required: true },
                                { name: 'Amount', dataType: 'Decimal' },
                                { name: 'Note', dataType: 'String' },
                            ],
                        },
                        {
                            name: 'Notes',
                            columns: [
                                { name: 'Ref', dataType: 'Int64' },
                                { name: 'Text', dataType: 'String' },
                            ],
                        },
                    ],
                },
            ],
            sources: [
                {
                    name: 'ledger-feed',
                    dataset: 'Ledger',
                    tables: [
                        { table: 'Entries', rows: "{ 'Id': id, 'Amount': amount, 'Note': note }" },
                        { table: 'Notes', rows: "{ 'Ref': id, 'Text': $uppercase(note) }" },
                    ],
                },
            ],
        }),
    );
    local = await startRelayLocally({
        appRoot: root,
        port: 0,
        emulatorPort: 0,
        storagePorts: { blob: 0, queue: 0, table: 0 },
        configPath,
        logger: () => undefined,
    });
});
afterAll(async () => {
    await local?.close();
    rmSync(temp, { recursive: true, force: true });
});

const post = (path: string, body: string) =>
    fetch(`${local.url}/api/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

/** The emulator's rows of a Ledger table as the control API writes them (JSON.parse would round the numbers). */
async function storedText(table: string): Promise<string> {
    const text = await (await fetch(`${local.emulator.url}/_emulator/datasets?includeRows=true`)).text();
    const start = text.indexOf(`"name":"${table}"`);
    return start < 0 ? '' : text.slice(start, text.indexOf(']}', text.indexOf('"rows":[', start)) + 1);
}

const arrives = (table: string, fragment: string) =>
    waitFor(async () => ((await storedText(table)).includes(fragment) ? true : undefined), { timeoutMs: 30_000 });

describe('exact numbers through the local host', () => {
    it('delivers a 24-digit Decimal and an Int64 beyond 2^53 from the webhook with the same digits', async () => {
        const response = await post(
            'datasets/Ledger/tables/Entries/rows',
            '{"rows":[{"Id":9223372036854775806,"Amount":123456789012345678901234,"Note":"webhook"}]}',
        );
        expect(response.status).toBe(202);
        expect(
            await arrives('Entries', '{"Id":9223372036854775806,"Amount":123456789012345678901234,"Note":"webhook"}'),
        ).toBe(true);
    });

    it('refuses Int64.MaxValue, which Power BI does not allow, with a 400 naming row and column', async () => {
        const response = await post(
            'datasets/Ledger/tables/Entries/rows',
            '{"rows":[{"Id":1},{"Id":9223372036854775807,"Note":"max"}]}',
        );
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({
            error: {
                code: 'InvalidRows',
                rowErrors: [{ row: 1, column: 'Id', reason: expect.stringContaining('Int64.MaxValue') }],
            },
        });
    });

    it('keeps the digits of numbers a source mapping takes over, in each table of the source', async () => {
        const response = await post(
            'sources/ledger-feed',
            '{"id":9223372036854775805,"amount":98765432109876543210.1234,"note":"source"}',
        );
        expect(response.status).toBe(202);
        expect(
            await arrives('Entries', '{"Id":9223372036854775805,"Amount":98765432109876543210.1234,"Note":"source"}'),
        ).toBe(true);
        expect(await arrives('Notes', '{"Ref":9223372036854775805,"Text":"SOURCE"}')).toBe(true);
    });

    it('delivers version 1 and version 2 messages already in the rows queue as before', async () => {
        const queue = new QueueClient(local.azurite.connectionString, local.settings.ROWS_QUEUE!);
        const receivedAt = new Date().toISOString();
        await queue.sendMessage(
            toQueueText({
                version: 1,
                ingestionId: 'queued-v1',
                dataset: 'Ledger',
                table: 'Entries',
                rowCount: 1,
                receivedAt,
                rows: [{ Id: 11, Amount: 1.25, Note: 'version 1' }],
            }),
        );
        await queue.sendMessage(
            toQueueText({
                version: 2,
                ingestionId: 'queued-v2',
                dataset: 'Ledger',
                receivedAt,
                tables: [
                    { table: 'Entries', rowCount: 1, rows: [{ Id: 12, Note: 'version 2' }] },
                    { table: 'Notes', rowCount: 1, rows: [{ Ref: 12, Text: 'version 2' }] },
                ],
            }),
        );
        expect(await arrives('Entries', '{"Id":11,"Amount":1.25,"Note":"version 1"}')).toBe(true);
        expect(await arrives('Entries', '{"Id":12,"Note":"version 2"}')).toBe(true);
        expect(await arrives('Notes', '{"Ref":12,"Text":"version 2"}')).toBe(true);
    });
});
