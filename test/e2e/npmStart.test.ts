import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNpmStart, type NpmStartProcess } from '../support/npmStartProcess';
import { waitFor } from '../support/waitFor';

/** `npm start` as a user runs it (the built dist/local/start.js), on free ports so it can run beside anything. */
let relay: NpmStartProcess;
let child: ChildProcess;
let output: string[] = [];
let relayUrl = '';
let emulatorUrl = '';

beforeAll(async () => {
    relay = await startNpmStart(['--free-ports']);
    ({ child, output, relayUrl } = relay);
    emulatorUrl = /Power BI emulator\s+(\S+)/.exec(output.join('\n'))![1]!;
});

afterAll(() => relay?.stop());

describe('npm start', () => {
    it('prints the URLs and a ready-to-paste curl, ending with the ready line', () => {
        const text = output.join('\n');
        expect(text).toContain(`curl -i -X POST ${relayUrl}/api/datasets/SalesMarketing/tables/Product/rows`);
        expect(text).toMatch(/Azurite\s+blob \d+, queue \d+, table \d+/);
        expect(output.filter((line) => line.trim() !== '').at(-1)).toBe(`pbi-relay ready: ${relayUrl}`);
        // The shipped config names no eventhouse: no Kusto emulator (test/e2e/dualWrite.test.ts starts one).
        expect(text).not.toMatch(/^Kusto emulator/m);
    });

    it('prints the status page before the ready line, and the page answers', async () => {
        const statusLine = output.findIndex((line) => /^Status page\s+\S+$/.test(line));
        expect(statusLine).toBeGreaterThan(-1);
        expect(statusLine).toBeLessThan(output.findIndex((line) => line.startsWith('pbi-relay ready: ')));
        const statusUrl = /^Status page\s+(\S+)$/.exec(output[statusLine]!)![1]!;
        expect(statusUrl).toBe(`${relayUrl}/api/status`);
        const response = await fetch(statusUrl);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/html/);
        expect(await response.text()).toContain('<title>pbi-relay status</title>');
    });

    it('runs the printed curl: the Product rows reach the emulator', async () => {
        const curl = output.find((line) => line.includes('curl -i -X POST') && line.includes('/rows'))!;
        const body = /-d '(.*)'$/.exec(curl)![1]!;
        const response = await fetch(`${relayUrl}/api/datasets/SalesMarketing/tables/Product/rows`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body,
        });
        expect(response.status).toBe(202);
        await waitFor(
            async () => {
                const datasets = (await (await fetch(`${emulatorUrl}/_emulator/datasets`)).json()) as {
                    value: { name: string; tables: { rowCount: number }[] }[];
                };
                return datasets.value.find((d) => d.name === 'SalesMarketing')?.tables[0]?.rowCount === 2;
            },
            { timeoutMs: 20_000, intervalMs: 200 },
        );
    });

    it('runs the demo refresh to Completed with its duration', async () => {
        const started = await fetch(`${relayUrl}/api/refreshes`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ target: 'demo' }),
        });
        expect(started.status).toBe(202);
        const { id } = (await started.json()) as { id: string };
        const completed = await waitFor(
            async () => {
                const list = (await (await fetch(`${relayUrl}/api/refreshes?dataset=demo`)).json()) as {
                    value: { id: string; status: string; durationSeconds?: number }[];
                };
                const refresh = list.value.find((r) => r.id === id);
                return refresh?.status === 'Completed' ? refresh : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 250 },
        );
        expect(completed.durationSeconds).toBe(5);
    });

    it('stops everything it started on Ctrl-C', async () => {
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGINT');
        expect(await exited).toBe(0);
        await expect(fetch(`${relayUrl}/`)).rejects.toThrow();
        await expect(fetch(`${emulatorUrl}/_emulator/datasets`)).rejects.toThrow();
    });
});
