import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../emulator/auth/accessToken';
import type { KustoSeed } from '../../kusto-emulator';

const root = resolve(__dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'kusto-emulator-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('Kusto emulator CLI', () => {
    it('prints exactly one listening line, serves the seed with the given signing key, and exits on SIGTERM', async () => {
        const seed: KustoSeed = {
            databases: [{ name: 'Seeded', admins: ['aadapp=c1000000-0000-4000-8000-000000000001'] }],
        };
        const seedFile = join(scratch, 'seed.json');
        writeFileSync(seedFile, JSON.stringify(seed));
        const child = spawn(
            process.execPath,
            [
                '-r',
                join(root, 'test/emulator/support/registerTs.cjs'),
                join(root, 'kusto-emulator/cli.ts'),
                '--seed',
                seedFile,
                '--token-signing-key',
                'k',
            ],
            { cwd: root },
        );
        let stdout = '';
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
        const url = await new Promise<string>((done, fail) => {
            child.stdout.on('data', (chunk: Buffer) => {
                stdout += chunk.toString();
                const match = /^Kusto emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
                if (match?.[1]) done(match[1]);
            });
            void exited.then((code) => fail(new Error(`CLI exited with ${code}: ${stderr}`)));
        });
        try {
            const databases = (await (await fetch(`${url}/_emulator/databases`)).json()) as {
                value: { name: string }[];
            };
            expect(databases.value.map((database) => database.name)).toEqual(['Seeded']);
            // Signed with the key given on the command line, as the Power BI emulator would sign it.
            const { token } = issueAccessToken(
                {
                    principalId: 'd1000000-0000-4000-8000-000000000001',
                    clientId: 'c1000000-0000-4000-8000-000000000001',
                    kind: 'app',
                    audience: 'https://kusto.kusto.windows.net',
                    lifetimeSeconds: 600,
                    nowMs: Date.now(),
                },
                'k',
            );
            const shown = await fetch(`${url}/v1/rest/mgmt`, {
                method: 'POST',
                headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                body: JSON.stringify({ db: 'Seeded', csl: '.show tables' }),
            });
            expect(shown.status).toBe(200);
        } finally {
            child.kill('SIGTERM');
        }
        expect(await exited).toBe(0);
        expect(stdout).toBe(`Kusto emulator listening on ${url}\n`);
    });
});
