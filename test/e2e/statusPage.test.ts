import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayLocally, type LocalRelay } from '../../local/startRelayLocally';
import { statusReportSchema, type StatusReport } from '../../src/status/statusSchema';
import { launchChromium } from '../support/launchChromium';
import { waitFor } from '../support/waitFor';

/**
 * The status page in headless Chromium against npm start's stack (free ports), after real traffic: rows that
 * arrive, rows Power BI refuses (poisoned), a completed, a failed and a running refresh of the demo target.
 */
const root = join(__dirname, '..', '..');
const demoModelId = '7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b';
const failureMessage = 'The credentials provided for the SQL source are invalid (status page test)';
let local: LocalRelay;
let browser: Browser;
let page: Page;
let stripeIngestionId = '';
const statusJsonRequests: string[] = [];

const post = (path: string, body: unknown) =>
    fetch(`${local.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
    });
const product = (id: number) => ({ ProductID: id, Name: `Product ${id}`, Category: 'Components', IsCompete: true });
const readStatus = async () => statusReportSchema.parse(await (await fetch(`${local.url}/api/status.json`)).json());

async function refreshTo(status: string): Promise<void> {
    const started = await post('/api/refreshes', { target: 'demo' });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    await waitFor(
        async () => {
            const refresh = (await (await fetch(`${local.url}/api/refreshes/${encodeURIComponent(id)}`)).json()) as {
                status: string;
            };
            return refresh.status === status;
        },
        { timeoutMs: 15_000, intervalMs: 100, description: `refresh ${status}` },
    );
}

beforeAll(async () => {
    [local, browser] = await Promise.all([
        startRelayLocally({
            appRoot: root,
            port: 0,
            emulatorPort: 0,
            storagePorts: { blob: 0, queue: 0, table: 0 },
            settings: { REFRESH_POLL_MIN_SECONDS: '1' },
            logger: () => undefined,
        }),
        launchChromium(),
    ]);
    // Stripe's push dataset exists with a table that lacks most columns: Power BI refuses the rows (400), the relay poisons them.
    await local.emulator.createPushDataset({
        workspaceId: local.settings.POWERBI_WORKSPACE_ID!,
        dataset: {
            name: 'Stripe',
            tables: [{ name: 'Payments', columns: [{ name: 'ChargeId', dataType: 'String' }] }],
        },
    });
    for (const ids of [
        [1, 2],
        [3, 4, 5],
        [6, 7, 8, 9, 10],
    ]) {
        expect(
            (await post('/api/datasets/SalesMarketing/tables/Product/rows', { rows: ids.map(product) })).status,
        ).toBe(202);
    }
    const refused = await post('/api/datasets/Stripe/tables/Payments/rows', {
        rows: [{ ChargeId: 'ch_1', Amount: 12.5, Currency: 'EUR' }],
    });
    expect(refused.status).toBe(202);
    stripeIngestionId = ((await refused.json()) as { ingestionId: string }).ingestionId;
    // GitHub's first Add Rows call meets a 429 with a 10-minute Retry-After (another writer): its rows wait in the queue.
    const github = await local.emulator.createPushDataset({
        workspaceId: local.settings.POWERBI_WORKSPACE_ID!,
        dataset: {
            name: 'GitHub',
            tables: [
                {
                    name: 'Commits',
                    columns: [
                        { name: 'Repository', dataType: 'String' },
                        { name: 'CommitId', dataType: 'String' },
                    ],
                },
            ],
        },
    });
    await local.emulator.injectFaults({
        operation: 'postRows',
        kind: 'status',
        status: 429,
        retryAfterSeconds: 600,
        datasetId: github.id,
    });
    const commits = ['c1', 'c2', 'c3', 'c4'].map((id) => ({ Repository: 'octo/hello', CommitId: id }));
    expect((await post('/api/datasets/GitHub/tables/Commits/rows', { rows: commits })).status).toBe(202);

    await local.emulator.queueRefreshScript(demoModelId, { durationSeconds: 1, outcome: 'success' });
    await refreshTo('Completed');
    await local.emulator.queueRefreshScript(demoModelId, {
        durationSeconds: 1,
        outcome: 'failure',
        messages: [{ code: 'DMTS_DatasourceHasNoCredentialError', message: failureMessage, type: 'Error' }],
    });
    await refreshTo('Failed');
    await local.emulator.queueRefreshScript(demoModelId, { durationSeconds: 3_600, outcome: 'success' });
    await refreshTo('Running');
    // The counters reach Storage within a second of the push.
    await waitFor(
        async () => {
            const status = await readStatus();
            const table = (dataset: string) => status.datasets.find((d) => d.name === dataset)?.tables[0];
            return (
                table('SalesMarketing')?.pushed.lastHour === 10 &&
                table('Stripe')?.poisoned.lastHour === 1 &&
                table('GitHub')?.throttledLastHour === 1
            );
        },
        { timeoutMs: 15_000, intervalMs: 100, description: 'counters of the pushed and the poisoned rows' },
    );

    page = await browser.newPage();
    page.on('request', (request) => {
        if (request.url().includes('/api/status.json')) statusJsonRequests.push(request.url());
    });
    await page.goto(`${local.url}/api/status?code=test-key`);
    await page.waitForSelector('body[data-loaded]', { timeout: 10_000 });
}, 60_000);

afterAll(async () => {
    await browser?.close();
    await local?.close();
});

const text = (selector: string) => page.$eval(selector, (node) => node.textContent?.trim() ?? '');
const texts = (selector: string) =>
    page.$$eval(selector, (nodes) => nodes.map((node) => node.textContent?.trim() ?? ''));

describe('the status page in a browser', () => {
    it('passes the function key on to status.json, whose answer matches the exported schema', async () => {
        expect(statusJsonRequests[0]).toBe(`${local.url}/api/status.json?code=test-key`);
        const status: StatusReport = await readStatus();
        expect(status.datasets.map((d) => d.name)).toContain('SalesMarketing');
    });

    it("shows the rows accepted and pushed, the backlog and the budget as the emulator's state has them", async () => {
        const emulated = await local.emulator.datasets();
        const sales = emulated.find((d) => d.name === 'SalesMarketing')!;
        const storedRows = sales.tables.find((t) => t.name === 'Product')!.rowCount;
        const calls = (await local.emulator.requests()).filter(
            (r) => r.operation === 'postRows' && r.datasetId === sales.id,
        );
        expect(storedRows).toBe(10);
        const row = '[data-table="SalesMarketing/Product"]';
        expect(await text(`${row} [data-field="accepted-hour"]`)).toBe('10');
        expect(await text(`${row} [data-field="pushed-hour"]`)).toBe(String(storedRows));
        expect(await text(`${row} [data-field="backlog"]`)).toBe('0');
        expect(await text(`${row} [data-field="table-rows"]`)).toContain(`${storedRows} rows (basicFIFO`);
        // Every call was answered: no part was left to settle by a count or by the policy.
        for (const verdict of ['stored', 'not-stored', 'unconfirmed'])
            expect(await text(`${row} [data-field="unknown-${verdict}-total"]`)).toBe('0');
        expect(await text(`${row} [data-field="unknown-policy"]`)).toBe(
            'no marker column; unconfirmed: atLeastOnce, pushed again, may be duplicated',
        );
        const dataset = '[data-dataset="SalesMarketing"]';
        expect(await text(`${dataset} [data-gauge="calls-minute"] b`)).toBe(`${calls.length} / 120`);
        expect(await text(`${dataset} [data-gauge="rows-hour"] b`)).toBe(
            `${calls.reduce((sum, r) => sum + (r.rows ?? 0), 0)} / 1,000,000`,
        );
        expect(await text(`${dataset} [data-gauge="pending"] b`)).toBe('0 / 5');
    });

    it("lists the poisoned rows with Power BI's reason, also as the table's last error", async () => {
        const entry = `[data-poison="${stripeIngestionId}"]`;
        expect(await text(`${entry} [data-field="reason"]`)).toMatch(/^400 .*'Amount' does not exist/);
        expect(await text('[data-field="poison-messages"]')).toBe('1');
        expect(await texts('[data-poison]')).toHaveLength(1);
        const row = '[data-table="Stripe/Payments"]';
        expect(await text(`${row} [data-field="poisoned-hour"]`)).toBe('1');
        expect(await text(`${row} [data-field="backlog"]`)).toBe('0');
        expect(await text(`${row} [data-field="last-error"]`)).toContain("'Amount' does not exist");
    });

    it('shows rows held back by a 429 as backlog, with the 429 and the throttled budget', async () => {
        const github = (await local.emulator.datasets()).find((d) => d.name === 'GitHub')!;
        const stored = github.tables.find((t) => t.name === 'Commits')!.rowCount;
        expect(stored).toBe(0);
        const row = '[data-table="GitHub/Commits"]';
        expect(await text(`${row} [data-field="accepted-hour"]`)).toBe('4');
        expect(await text(`${row} [data-field="pushed-hour"]`)).toBe(String(stored));
        expect(await text(`${row} [data-field="backlog"]`)).toBe(String(4 - stored));
        expect(await text(`${row} [data-field="throttled"]`)).toBe('1');
        expect(await text(`${row} [data-field="last-error"]`)).toMatch(/ 429 /);
        expect(await text('[data-dataset="GitHub"] [data-field="throttled-until"]')).toMatch(/^throttled until /);
    });

    it('draws the refreshes as bars coloured by outcome, with the usual duration and the last failure', async () => {
        const target = '[data-target="demo"]';
        expect(
            await page.$$eval(`${target} .bar`, (bars) => bars.map((bar) => bar.getAttribute('data-status'))),
        ).toEqual(['Completed', 'Failed', 'Running']);
        const widths = await page.$$eval(`${target} .bar`, (bars) =>
            bars.map((bar) => bar.getBoundingClientRect().width),
        );
        expect(widths.every((width) => width > 0)).toBe(true);
        expect(await text(`${target} [data-field="latest-status"]`)).toBe('Running');
        expect(await text(`${target} [data-field="usual"]`)).toBe('1.0 s');
        expect(await texts(`${target} [data-field="last-failure"] li`)).toEqual([
            `DMTS_DatasourceHasNoCredentialError: ${failureMessage}`,
        ]);
        expect(await text(`${target} [data-field="next-run"]`)).not.toBe('–');
    });

    it('grows the running refresh bar while the page is open', async () => {
        const running = '[data-target="demo"] .bar[data-status="Running"]';
        const before = await page.$eval(running, (bar) => bar.getBoundingClientRect().width);
        const width = () => page.$eval(running, (bar) => bar.getBoundingClientRect().width);
        await waitFor(async () => (await width()) > before, { timeoutMs: 10_000, intervalMs: 100 });
    });

    it('saves a screenshot as a test artifact', async () => {
        const folder = join(root, 'test-artifacts');
        mkdirSync(folder, { recursive: true });
        const file = join(folder, 'status.png');
        const image = await page.screenshot({ path: file, fullPage: true });
        expect(image.byteLength).toBeGreaterThan(10_000);
    });
});
