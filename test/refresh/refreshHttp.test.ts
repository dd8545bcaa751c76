import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSystemAssignedPrincipalId, startEmulator, type RunningEmulator } from '../../emulator';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { startLocalHost, type HostLogEntry, type LocalHost } from '../../local/host/startLocalHost';
import { waitFor } from '../support/waitFor';

/**
 * The built app (dist/, which `npm test` builds first) in the local Functions host, against Azurite and the emulator
 * running 60 times faster than real time: a 2-minute refresh takes 2 real seconds and the poller checks every second.
 * It does not build dist/ itself: other files load the app from dist/ at the same time, and a rebuild under them had
 * one of them read a module tsc was rewriting (`createPushGovernor is not a function`).
 */
const appRoot = join(__dirname, '..', '..');
let emulator: RunningEmulator;
let azurite: RunningAzurite;
let settings: Record<string, string>;
let configDir: string;
const logs: HostLogEntry[] = [];

async function startHost(): Promise<LocalHost> {
    return startLocalHost({ appRoot, settings, port: 0, logger: (entry) => void logs.push(entry) });
}

beforeAll(async () => {
    emulator = await startEmulator({ timeScale: 60 });
    azurite = await startAzurite();
    const { id: workspaceId } = await emulator.createWorkspace({
        name: 'HTTP tests',
        members: [{ principalId: defaultSystemAssignedPrincipalId, role: 'Member' }],
    });
    const { id: datasetId } = await emulator.createModel({
        workspaceId,
        name: 'Http model',
        tables: [{ name: 'Sales' }],
        refreshScript: { durationSeconds: 120 },
    });
    configDir = mkdtempSync(join(tmpdir(), 'pbi-relay-refresh-'));
    const configPath = join(configDir, 'pbi-relay.config.json');
    writeFileSync(
        configPath,
        JSON.stringify({
            refreshTargets: [
                { name: 'http', datasetName: 'Http model', scheduled: false },
                { name: 'other', datasetId, scheduled: false },
                { name: 'leapDay', datasetId, schedule: '0 0 6 29 2 *', timeZone: 'America/New_York' },
            ],
        }),
    );
    settings = {
        ...emulator.env(),
        POWERBI_API_BASE_URL: `${emulator.url}/v1.0/myorg`,
        POWERBI_WORKSPACE_ID: workspaceId,
        POWERBI_CREDENTIAL: 'managedIdentity',
        AzureWebJobsStorage: azurite.connectionString,
        PBI_RELAY_CONFIG: configPath,
        REFRESH_SCHEDULE: '0 0 0 1 1 *',
        REFRESH_QUEUE: 'pbi-refresh-poll',
        ROWS_QUEUE: 'pbi-rows',
        EVENTHOUSE_QUEUE: 'pbi-relay-eventhouse',
        REFRESH_POLL_MIN_SECONDS: '1',
        REFRESH_POLL_MAX_SECONDS: '1',
    };
}, 120_000);

afterAll(async () => {
    await emulator?.close();
    await azurite?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe('refresh HTTP API in the local host', () => {
    it('starts, refuses a second start with the running id, shows the history, and survives a host restart', async () => {
        let host = await startHost();
        try {
            expect(host.functions).toEqual(
                expect.arrayContaining([
                    'startRefreshes',
                    'pollRefresh',
                    'listRefreshes',
                    'getRefresh',
                    'requestRefresh',
                    'listRefreshTargets',
                ]),
            );
            const api = (path: string, init?: RequestInit) => fetch(`${host.url}/api/${path}`, init);
            const post = (body: unknown) =>
                api('refreshes', {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/json' },
                    body: JSON.stringify(body),
                });

            const noTarget = await post({});
            expect(noTarget.status).toBe(400);
            expect(await noTarget.json()).toMatchObject({
                error: { code: 'UnknownTarget', targets: ['http', 'other', 'leapDay'] },
            });

            const started = await post({ target: 'http' });
            expect(started.status).toBe(202);
            const { id, requestId } = (await started.json()) as { id: string; requestId: string };
            expect(started.headers.get('Location')).toBe(`/api/refreshes/${encodeURIComponent(id)}`);

            const second = await post({ target: 'other' });
            expect(second.status).toBe(409);
            expect(await second.json()).toMatchObject({ error: { code: 'RefreshAlreadyRunning', id } });

            // The host stops while the refresh runs and a new one starts on the same storage.
            await host.close();
            host = await startHost();
            const done = await waitFor(
                async () => {
                    const response = await api(`refreshes/${encodeURIComponent(id)}`);
                    const view = (await response.json()) as { status: string };
                    return view.status === 'Completed' && view;
                },
                { timeoutMs: 30_000, intervalMs: 200, description: 'the refresh to be recorded Completed' },
            );
            expect(done).toMatchObject({ id, requestId, dataset: 'http', trigger: 'manual', durationSeconds: 120 });

            const list = await api('refreshes?dataset=http&top=5');
            expect(list.status).toBe(200);
            const { value } = (await list.json()) as { value: { id: string; status: string }[] };
            expect(value).toEqual([expect.objectContaining({ id, status: 'Completed' })]);
            expect((await api('refreshes?dataset=nope')).status).toBe(404);
            expect((await api('refreshes/nope')).status).toBe(404);
            expect((await api('refreshes?top=0')).status).toBe(400);
            const targets = await api('refresh-targets?next=2');
            expect(targets.status).toBe(200);
            expect(((await targets.json()) as { value: unknown[] }).value).toEqual([
                { name: 'http', scheduled: false, schedule: '0 0 0 1 1 *', timeZone: 'UTC', nextRuns: [] },
                { name: 'other', scheduled: false, schedule: '0 0 0 1 1 *', timeZone: 'UTC', nextRuns: [] },
                {
                    name: 'leapDay',
                    scheduled: true,
                    schedule: '0 0 6 29 2 *',
                    timeZone: 'America/New_York',
                    // 06:00 EST on the next two 29 Februaries.
                    nextRuns: [
                        expect.stringMatching(/^\d{4}-02-29T11:00:00\.000Z$/),
                        expect.stringMatching(/^\d{4}-02-29T11:00:00\.000Z$/),
                    ],
                },
            ]);
            expect((await api('refresh-targets?next=51')).status).toBe(400);
            const completedLogs = logs.filter((entry) => entry.message.startsWith('pbi-relay refresh completed'));
            expect(completedLogs).toHaveLength(1);
        } finally {
            await host.close();
        }
    });
});
