import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/waitFor';

/** `npm start -- --instances 2 --config FILE` with an app setting from the environment. */
const root = join(__dirname, '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'pbi-relay-instances-'));
let child: ChildProcess;
const output: string[] = [];
let startup: string[] = [];

beforeAll(async () => {
    const config = JSON.parse(readFileSync(join(root, 'pbi-relay.config.json'), 'utf8')) as {
        datasets: { name: string }[];
    };
    config.datasets[0]!.name = 'OtherSales';
    const configPath = join(temp, 'other.config.json');
    writeFileSync(configPath, JSON.stringify({ ...config, $schema: undefined }));
    child = spawn(
        process.execPath,
        [join(root, 'dist', 'local', 'start.js'), '--free-ports', '--instances', '2', '--config', configPath],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PUSH_MAX_SLOT_WAIT_MS: '1000' } },
    );
    createInterface({ input: child.stdout! }).on('line', (line) => output.push(line));
    createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    const ready = await waitFor(
        () => output.findIndex((line) => line.startsWith('pbi-relay ready: ')) + 1 || undefined,
        {
            timeoutMs: 40_000,
            description: 'pbi-relay ready line',
        },
    );
    startup = output.slice(0, ready);
});

afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        const forceKill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(forceKill);
    }
    rmSync(temp, { recursive: true, force: true });
});

const hostUrls = () => startup.flatMap((line) => /^Functions host\s+(\S+)\s+\(functions: /.exec(line)?.[1] ?? []);

describe('npm start -- --instances 2 --config FILE', () => {
    it('prints one Functions host line per host and names the first in the ready line, which stays last', () => {
        expect(hostUrls()).toHaveLength(2);
        expect(new Set(hostUrls()).size).toBe(2);
        expect(startup.filter((line) => line.trim() !== '').at(-1)).toBe(`pbi-relay ready: ${hostUrls()[0]}`);
        expect(startup).toContain('Environment sets   PUSH_MAX_SLOT_WAIT_MS (instead of local.settings.sample.json)');
    });

    it('serves the datasets of the other config file on every host', async () => {
        const post = (url: string, dataset: string) =>
            fetch(`${url}/api/datasets/${dataset}/tables/Product/rows`, {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ rows: [{ ProductID: 1, Name: 'Adjustable Race' }] }),
            });
        for (const url of hostUrls()) {
            expect((await post(url, 'OtherSales')).status).toBe(202);
            expect((await post(url, 'SalesMarketing')).status).toBe(404);
        }
    });

    it('runs each timer on one host only: one host holds its singleton lock', () => {
        const holders = (timer: string) =>
            output.flatMap(
                (line) => new RegExp(`${timer}: \\[host (\\d+)\\] Singleton lock taken`).exec(line)?.[1] ?? [],
            );
        for (const timer of ['startRefreshes', 'sweepPushLedger', 'purgeEventIds']) {
            expect({ timer, holders: holders(timer).length }).toEqual({ timer, holders: 1 });
        }
    });
});
