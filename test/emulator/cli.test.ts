import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, type Seed } from '../../emulator';
import { apiClient, salesMarketing } from './support/powerBiTestBed';

const root = resolve(__dirname, '../..');
const principalId = 'd1000000-0000-4000-8000-000000000001';
const workspaceId = 'e1000000-0000-4000-8000-000000000001';
const scratch = mkdtempSync(join(tmpdir(), 'pbi-emulator-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Started {
    child: ChildProcessWithoutNullStreams;
    url: string;
    stdout: () => string;
    exited: Promise<number | null>;
}

/** Runs emulator/cli.ts from source (transpiled on the fly) and waits for its one "listening" line. */
async function startCli(args: string[]): Promise<Started> {
    const child = spawn(
        process.execPath,
        ['-r', join(root, 'test/emulator/support/registerTs.cjs'), join(root, 'emulator/cli.ts'), ...args],
        {
            cwd: root,
        },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const url = await new Promise<string>((done, fail) => {
        child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            const match = /^Power BI emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
            if (match?.[1]) done(match[1]);
        });
        void exited.then((code) => fail(new Error(`CLI exited with ${code}: ${stderr}`)));
    });
    return { child, url, stdout: () => stdout, exited };
}

const seed: Seed = {
    workspaces: [{ id: workspaceId, name: 'CLI', members: [{ principalId, role: 'Admin' }] }],
    models: [{ workspaceId, name: 'Model', tables: [{ name: 'T' }] }],
};

describe('CLI', () => {
    it('prints exactly one listening line, serves a seeded emulator, and exits cleanly on SIGTERM and SIGINT', async () => {
        const seedFile = join(scratch, 'seed.json');
        writeFileSync(seedFile, JSON.stringify(seed));
        const dataDir = join(scratch, 'data');
        const first = await startCli([
            '--port',
            '0',
            '--seed',
            seedFile,
            '--data-dir',
            dataDir,
            '--limit',
            'maxRowsPerRequest=2',
            '--time-scale',
            '60',
        ]);
        const token = (await apiClient(first.url).post('/_emulator/tokens', { principalId })).body
            .access_token as string;
        const api = apiClient(first.url, token);
        const created = await api.post(`/v1.0/myorg/groups/${workspaceId}/datasets`, salesMarketing);
        expect(created.status).toBe(201);
        const rows = `/v1.0/myorg/groups/${workspaceId}/datasets/${created.body.id}/tables/Product/rows`;
        expect((await api.post(rows, { rows: [{ ProductID: 1 }] })).status).toBe(200);
        expect((await api.post(rows, { rows: [{ ProductID: 1 }, { ProductID: 2 }, { ProductID: 3 }] })).status).toBe(
            413,
        );
        expect((await apiClient(first.url).get('/_emulator/clock')).body.timeScale).toBe(60);
        first.child.kill('SIGTERM');
        expect(await first.exited).toBe(0);
        expect(
            first
                .stdout()
                .split('\n')
                .filter((line) => line !== ''),
        ).toHaveLength(1);

        // The data directory keeps workspaces, datasets and rows (and the signing key, so the token still works).
        const second = await startCli(['--port', '0', '--seed', seedFile, '--data-dir', dataDir]);
        const datasets = (await apiClient(second.url).get('/_emulator/datasets')).body.value as {
            name: string;
            tables: { rowCount: number }[];
        }[];
        expect(datasets.map((dataset) => dataset.name)).toEqual(['Model', 'SalesMarketing']);
        expect(datasets[1]?.tables[0]?.rowCount).toBe(1);
        expect((await apiClient(second.url, token).get(`/v1.0/myorg/groups/${workspaceId}/datasets`)).status).toBe(200);
        second.child.kill('SIGINT');
        expect(await second.exited).toBe(0);
    });

    it('rejects unknown options with usage on stderr and exit code 2', async () => {
        const child = spawn(
            process.execPath,
            ['-r', join(root, 'test/emulator/support/registerTs.cjs'), join(root, 'emulator/cli.ts'), '--bogus'],
            { cwd: root },
        );
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const code = await new Promise<number | null>((done) => child.on('exit', done));
        expect(code).toBe(2);
        expect(stderr).toContain('Usage: npm run emulator');
    });
});

describe('data directory (library)', () => {
    it('keeps state across restarts and ignores the seed once state exists', async () => {
        const dataDir = join(scratch, 'library');
        const first = await startEmulator({ dataDir, seed: seed });
        const token = (await first.issueToken({ principalId })).access_token;
        await apiClient(first.url, token).post(`/v1.0/myorg/groups/${workspaceId}/datasets`, salesMarketing);
        await first.close();
        const second = await startEmulator({ dataDir, seed: { workspaces: [{ name: 'ignored' }] } });
        try {
            expect((await second.datasets()).map((dataset) => dataset.name)).toEqual(['Model', 'SalesMarketing']);
            expect((await second.applySeed({})).workspaces).toEqual([]);
            expect(
                (await apiClient(second.url).get('/_emulator/workspaces')).body.value.map(
                    (workspace: { name: string }) => workspace.name,
                ),
            ).toEqual(['CLI']);
        } finally {
            await second.close();
        }
    });
});
