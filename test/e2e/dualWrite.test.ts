import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusReportSchema } from '../../src/status/statusSchema';
import { launchChromium } from '../support/launchChromium';
import { startNpmStart, type NpmStartProcess } from '../support/npmStartProcess';
import { waitFor } from '../support/waitFor';

/** `npm start -- --config examples/dual-write.config.json`, as the README's Eventhouse section runs it. */
const root = join(__dirname, '..', '..');
let relay: NpmStartProcess;
let output: string[] = [];
let relayUrl = '';
let emulatorUrl = '';
let kustoUrl = '';
let body = '';
/** The relay's managed identity in local.settings.sample.json (AZURE_CLIENT_ID): npm start grants it Viewer. */
const relayClientId = '0b6f3c7e-5a41-4d2b-8e9f-2c1d0a9b8e72';

beforeAll(async () => {
    relay = await startNpmStart(['--free-ports', '--config', join(root, 'examples', 'dual-write.config.json')], {
        ...process.env,
        PUSH_RETRY_BASE_SECONDS: '1',
    });
    ({ output, relayUrl } = relay);
    const text = output.join('\n');
    emulatorUrl = /Power BI emulator\s+(\S+)/.exec(text)![1]!;
    kustoUrl = /^Kusto emulator\s+(\S+)/m.exec(text)![1]!;
    body = /-d '(.*)'$/.exec(output.find((line) => line.includes('curl -i -X POST') && line.includes('/rows'))!)![1]!;
});

afterAll(() => relay?.stop());

async function postRows(headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(`${relayUrl}/api/datasets/SalesMarketing/tables/Product/rows`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
    });
    expect(response.status).toBe(202);
    return response;
}

async function pushedRowCount(): Promise<number | undefined> {
    const datasets = (await (await fetch(`${emulatorUrl}/_emulator/datasets`)).json()) as {
        value: { name: string; tables: { rowCount: number }[] }[];
    };
    return datasets.value.find((d) => d.name === 'SalesMarketing')?.tables[0]?.rowCount;
}

async function rawRowCount(): Promise<number> {
    const tables = (await (await fetch(`${kustoUrl}/_emulator/tables?db=SalesMarketing&table=Product`)).json()) as {
        value: { rows: unknown[] }[];
    };
    return tables.value[0]?.rows.length ?? 0;
}

/** What Power BI reads: the dedup view, queried with the relay identity's Viewer role. */
async function viewRowCount(): Promise<number> {
    const issued = (await (
        await fetch(`${kustoUrl}/_emulator/tokens`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ principalId: relayClientId, clientId: relayClientId }),
        })
    ).json()) as { access_token: string };
    const response = await fetch(`${kustoUrl}/v1/rest/query`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${issued.access_token}` },
        body: JSON.stringify({ db: 'SalesMarketing', csl: 'materialized_view("Product_dedup") | count' }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { Tables: { Rows: number[][] }[] }).Tables[0]!.Rows[0]![0]!;
}

describe('npm start with the dual-write example config', () => {
    it('prints the Kusto emulator on its own line before the ready line, which stays last', () => {
        const kustoLine = output.findIndex((line) => line.startsWith('Kusto emulator '));
        expect(kustoLine).toBeGreaterThan(-1);
        expect(kustoLine).toBeLessThan(output.findIndex((line) => line.startsWith('pbi-relay ready: ')));
        expect(output.filter((line) => line.trim() !== '').at(-1)).toBe(`pbi-relay ready: ${relayUrl}`);
    });

    it("delivers the README's curl rows once to the push dataset and once (after dedup) to the Eventhouse", async () => {
        await postRows();
        await waitFor(async () => (await pushedRowCount()) === 2 && (await rawRowCount()) === 2, {
            timeoutMs: 20_000,
            intervalMs: 200,
            description: 'two rows in each sink',
        });
        expect(await viewRowCount()).toBe(2);
    });

    it('after an ingest whose rows were committed before the connection dropped: twice in the raw table, once in the view', async () => {
        const fault = await fetch(`${kustoUrl}/_emulator/faults`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ operation: 'ingest', kind: 'applied', then: 'reset', count: 1 }),
        });
        expect(fault.status).toBeLessThan(300);
        await postRows();
        await waitFor(async () => (await pushedRowCount()) === 4 && (await rawRowCount()) === 6, {
            timeoutMs: 20_000,
            intervalMs: 200,
            description: 'four pushed rows, six raw rows',
        });
        expect(await viewRowCount()).toBe(4);
        expect(await pushedRowCount()).toBe(4);
    });

    it('shows each sink on the status page and in status.json: rows ingested, the Eventhouse backlog and poison queue', async () => {
        const readStatus = async () =>
            statusReportSchema.parse(await (await fetch(`${relayUrl}/api/status.json`)).json());
        // Counters are written every second, the minute's and the running total's entities apart: wait for the four rows
        // ingested (the resent part counted once, when answered), both backlogs (from the totals) empty, and the
        // Eventhouse queue empty (the host deletes a message only after its invocation returned).
        const status = await waitFor(
            async () => {
                const report = await readStatus();
                const table = report.datasets[0]?.tables[0];
                const settled =
                    table?.eventhouse?.ingested.lastHour === 4 &&
                    table.pushed.lastHour === 4 &&
                    table.eventhouse.backlogRows === 0 &&
                    table.backlogRows === 0 &&
                    table.eventhouse.queuedMessagesPeeked === 0 &&
                    report.eventhouse?.queue.approximateMessages === 0;
                return settled && report;
            },
            {
                timeoutMs: 10_000,
                intervalMs: 200,
                description: 'the Eventhouse counters and an empty Eventhouse queue',
            },
        );
        const [dataset] = status.datasets;
        expect(dataset?.sinks).toEqual(['powerBi', 'eventhouse']);
        expect(dataset?.tables[0]).toMatchObject({
            accepted: { lastHour: 4 },
            backlogRows: 0,
            eventhouse: {
                table: 'Product',
                view: 'Product_dedup',
                ingested: { lastHour: 4 },
                poisoned: { lastHour: 0 },
                throttledLastHour: 0,
                backlogRows: 0,
                queuedMessagesPeeked: 0,
            },
        });
        // The dropped connection of the second ingest is the Eventhouse side's last error, not the push's.
        expect(dataset?.tables[0]?.eventhouse?.lastError).toMatchObject({
            message: expect.stringMatching(/socket|reset|ECONNRESET/i),
        });
        expect(dataset?.tables[0]?.lastError).toBeUndefined();
        expect(status.eventhouse).toEqual({
            queue: { name: 'pbi-relay-eventhouse', approximateMessages: 0, peeked: 0 },
            poison: { name: 'pbi-relay-eventhouse-poison', approximateMessages: 0, entries: [] },
        });

        const browser = await launchChromium();
        try {
            const page = await browser.newPage();
            await page.goto(`${relayUrl}/api/status`);
            await page.waitForSelector('body[data-loaded]', { timeout: 10_000 });
            const text = (selector: string) => page.$eval(selector, (node) => node.textContent?.trim() ?? '');
            const row = '[data-table="SalesMarketing/Product"]';
            expect(await text(`${row} [data-field="eventhouse-ingested-hour"]`)).toBe('4');
            expect(await text(`${row} [data-field="eventhouse-backlog"]`)).toBe('0');
            expect(await text(`${row} [data-field="eventhouse-poisoned-hour"]`)).toBe('0');
            expect(await text('[data-field="eventhouse-poison-messages"]')).toBe('0');
            expect(await text(`${row} [data-field="eventhouse-last-error"]`)).toMatch(/^Last error /);
            expect(await page.$eval('#eventhouse-poison', (node) => node.hasAttribute('hidden'))).toBe(false);
        } finally {
            await browser.close();
        }
    });

    it('a request under an Idempotency-Key, sent twice: its rows once in each sink', async () => {
        const key = { 'Idempotency-Key': `dual-write-${Date.now()}` };
        const first = (await (await postRows(key)).json()) as { ingestionId: string };
        const again = (await (await postRows(key)).json()) as { ingestionId: string };
        expect(again.ingestionId).toBe(first.ingestionId);
        await waitFor(async () => (await pushedRowCount()) === 6 && (await rawRowCount()) === 8, {
            timeoutMs: 20_000,
            intervalMs: 200,
            description: 'six pushed rows, eight raw rows',
        });
        expect(await viewRowCount()).toBe(6);
    });
});
