import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromAzdValues, main, parseDoctorArgs } from '../../scripts/doctor';
import { identityPrincipalId, salesMarketing, startDoctorTestBed, type DoctorTestBed } from './doctorTestBed';

const root = resolve(__dirname, '../..');

let bed: DoctorTestBed;
beforeAll(async () => {
    bed = await startDoctorTestBed();
});
afterAll(async () => {
    await bed.close();
});

/** Runs scripts/doctor.ts from source in a child process, as `npm run doctor` runs its build. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(
        process.execPath,
        ['-r', join(root, 'test/emulator/support/registerTs.cjs'), join(root, 'scripts/doctor.ts'), ...args],
        { cwd: bed.scratch, env: { PATH: process.env.PATH ?? '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}

/** A local.settings.json whose Values point the app (and its managed identity) at the emulator. */
function localSettings(workspaceId: string, config: unknown): string {
    const path = join(bed.scratch, `local.settings.${workspaceId}.json`);
    const values = {
        ...bed.settings(workspaceId, bed.config(config)),
        ...bed.emulator.env(),
        FUNCTIONS_WORKER_RUNTIME: 'node',
    };
    writeFileSync(path, JSON.stringify({ IsEncrypted: false, Values: values }, null, 2));
    return path;
}

const config = { datasets: [{ name: 'SalesMarketing', tables: salesMarketing.tables }] };

describe('scripts/doctor.ts', () => {
    it('exits 1 and prints the failed check with its fix when the identity has no role', async () => {
        const workspaceId = await bed.workspace([]);
        const result = await runCli(['--settings', localSettings(workspaceId, config)]);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(1);
        expect(result.stdout).toContain('✔ A Power BI token can be obtained');
        expect(result.stdout).toContain(`✖ Workspace ${workspaceId} is reachable`);
        expect(result.stdout).toContain(
            `    fix: Give the identity the Member (or Contributor) role in workspace ${workspaceId}, signed in as a workspace Admin:\n` +
                `           npm run grant-powerbi-access -- --workspace ${workspaceId} --principal-id ${identityPrincipalId}`,
        );
        expect(result.stdout).toMatch(/1 of 5 checks failed/);
    });

    it('exits 0 with --json when every check passes', async () => {
        const workspaceId = await bed.workspace([{ principalId: identityPrincipalId, role: 'Member' }]);
        const result = await runCli(['--settings', localSettings(workspaceId, config), '--json']);
        expect(result.code).toBe(0);
        const report = JSON.parse(result.stdout) as { ok: boolean; checks: { ok: boolean }[] };
        expect(report.ok).toBe(true);
        expect(report.checks.every((check) => check.ok)).toBe(true);
    });

    it('exits 2 on bad arguments, and --azd checks the deployed identity by its object id', async () => {
        expect(() => parseDoctorArgs(['--settings'])).toThrow("Option '--settings <value>' argument missing");
        const errors: string[] = [];
        expect(await main(['--nope'], { env: {}, error: (text) => errors.push(text) })).toBe(2);
        expect(errors[0]).toContain("Unknown option '--nope'");
        expect(
            fromAzdValues({
                POWERBI_WORKSPACE_ID: 'w',
                MANAGED_IDENTITY_PRINCIPAL_ID: identityPrincipalId,
                AZURE_STORAGE_QUEUE_ENDPOINT: 'https://st.queue.core.windows.net/',
                EVENTHOUSE_QUERY_SERVICE_URI: 'https://eh.westeurope.kusto.fabric.microsoft.com',
            }),
        ).toEqual({
            env: {
                POWERBI_CREDENTIAL: 'default',
                POWERBI_WORKSPACE_ID: 'w',
                AzureWebJobsStorage__queueServiceUri: 'https://st.queue.core.windows.net/',
                EVENTHOUSE_QUERY_SERVICE_URI: 'https://eh.westeurope.kusto.fabric.microsoft.com',
            },
            principalId: identityPrincipalId,
        });
    });
});
