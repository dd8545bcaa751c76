import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { EmulatorClock } from '../../emulator/clock/EmulatorClock';
import { apiClient, salesMarketing, type ApiClient } from './support/powerBiTestBed';

const principalId = 'd0000000-0000-4000-8000-000000000001';
const workspaceId = 'e0000000-0000-4000-8000-000000000001';

let emulator: RunningEmulator;
let control: ApiClient;
beforeAll(async () => {
    emulator = await startEmulator({ frozenClock: true, startTime: '2025-03-01T00:00:00Z' });
    control = apiClient(emulator.url);
});
afterAll(async () => {
    await emulator.close();
});

async function tokenFor(principalId: string, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await control.post('/_emulator/tokens', { principalId, ...extra });
    expect(response.status).toBe(200);
    return response.body.access_token as string;
}

describe('control API over HTTP', () => {
    it('creates workspaces and models with the documented shapes and lists datasets with kind, tables, counts and rows', async () => {
        expect((await control.post('/_emulator/reset')).status).toBe(200);
        const workspace = await control.post('/_emulator/workspaces', {
            id: workspaceId,
            name: 'Ops',
            members: [{ principalId, role: 'Admin' }],
        });
        expect(workspace.status).toBe(201);
        expect(workspace.body).toEqual({ id: workspaceId });
        const model = await control.post('/_emulator/models', {
            workspaceId,
            name: 'Finance',
            tables: [{ name: 'GL', partitions: ['GL-2025'] }, { name: 'Accounts' }],
        });
        expect(model.status).toBe(201);
        expect(model.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/) });

        const api = apiClient(emulator.url, await tokenFor(principalId));
        const push = await api.post(`/v1.0/myorg/groups/${workspaceId}/datasets`, salesMarketing);
        await api.post(`/v1.0/myorg/groups/${workspaceId}/datasets/${push.body.id}/tables/Product/rows`, {
            rows: [{ ProductID: 7 }],
        });

        const datasets = await control.get('/_emulator/datasets');
        expect(datasets.status).toBe(200);
        expect(datasets.body.value).toEqual([
            expect.objectContaining({
                id: model.body.id,
                workspaceId,
                workspaceName: 'Ops',
                kind: 'import',
                tables: [
                    { name: 'GL', partitions: ['GL-2025'], rowCount: 0, rows: [] },
                    { name: 'Accounts', partitions: ['Accounts'], rowCount: 0, rows: [] },
                ],
            }),
            expect.objectContaining({
                id: push.body.id,
                kind: 'push',
                defaultRetentionPolicy: 'None',
                tables: [expect.objectContaining({ name: 'Product', rowCount: 1, rows: [{ ProductID: 7 }] })],
            }),
        ]);
        const withoutRows = await control.get('/_emulator/datasets?includeRows=false');
        expect(withoutRows.body.value[1].tables[0]).not.toHaveProperty('rows');
    });

    it('validates control bodies (unknown properties, roles, GUIDs) and refuses duplicates', async () => {
        const bad = await control.post('/_emulator/workspaces', {
            name: 'x',
            members: [{ principalId, role: 'Owner' }],
        });
        expect(bad.status).toBe(400);
        expect(bad.body.error.code).toBe('BadRequest');
        expect((await control.post('/_emulator/workspaces', { id: 'not-a-guid', name: 'x' })).status).toBe(400);
        expect((await control.post('/_emulator/workspaces', { id: workspaceId, name: 'again' })).status).toBe(409);
        expect(
            (
                await control.post('/_emulator/models', {
                    workspaceId: 'e0000000-0000-4000-8000-00000000ffff',
                    name: 'm',
                    tables: [{ name: 'T' }],
                })
            ).status,
        ).toBe(404);
        expect((await control.post('/_emulator/models', { workspaceId, name: 'm', tables: [] })).status).toBe(400);
        expect((await control.get('/_emulator/nothing')).status).toBe(404);
    });

    it('logs REST calls with method, path, status, rows and emulated time', async () => {
        await control.call('DELETE', '/_emulator/requests');
        const api = apiClient(emulator.url, await tokenFor(principalId));
        const push = await api.post(`/v1.0/myorg/groups/${workspaceId}/datasets`, salesMarketing);
        await api.post(`/v1.0/myorg/groups/${workspaceId}/datasets/${push.body.id}/tables/Product/rows`, {
            rows: [{ ProductID: 1 }, { ProductID: 2 }],
        });
        const log = await control.get('/_emulator/requests');
        expect(log.body.value).toEqual([
            expect.objectContaining({
                method: 'POST',
                path: `/v1.0/myorg/groups/${workspaceId}/datasets`,
                status: 201,
                operation: 'createDataset',
            }),
            expect.objectContaining({
                method: 'POST',
                status: 200,
                rows: 2,
                operation: 'postRows',
                datasetId: push.body.id,
                principalId,
                time: '2025-03-01T00:00:00.000Z',
            }),
        ]);
        expect(log.body.value[1].requestId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('moves, sets, freezes and scales the clock', async () => {
        expect((await control.get('/_emulator/clock')).body).toEqual({
            now: '2025-03-01T00:00:00.000Z',
            timeScale: 1,
            frozen: true,
        });
        expect((await control.post('/_emulator/clock', { advanceSeconds: 90 })).body.now).toBe(
            '2025-03-01T00:01:30.000Z',
        );
        expect((await control.post('/_emulator/clock', { set: '2025-03-02T00:00:00Z' })).body.now).toBe(
            '2025-03-02T00:00:00.000Z',
        );
        expect((await control.post('/_emulator/clock', { timeScale: 60 })).body).toMatchObject({
            timeScale: 60,
            frozen: true,
        });
        expect((await control.post('/_emulator/clock', { advanceSeconds: -1 })).status).toBe(400);
        expect(emulator.clock.now().toISOString()).toBe('2025-03-02T00:00:00.000Z');
        await control.post('/_emulator/clock', { timeScale: 1 });
    });

    it('a scaled clock runs timeScale emulated seconds per real second', () => {
        let real = 0;
        const clock = new EmulatorClock({
            start: new Date('2025-01-01T00:00:00Z'),
            timeScale: 60,
            realNow: () => real,
        });
        real = 1_000;
        expect(clock.now().toISOString()).toBe('2025-01-01T00:01:00.000Z');
        clock.freeze();
        real = 5_000;
        expect(clock.now().toISOString()).toBe('2025-01-01T00:01:00.000Z');
        clock.resume();
        real = 6_000;
        expect(clock.now().toISOString()).toBe('2025-01-01T00:02:00.000Z');
        expect(clock.realMsUntil(Date.parse('2025-01-01T00:03:00Z'))).toBe(1_000);
    });

    it('reads and overrides limits at run time', async () => {
        expect((await control.get('/_emulator/limits')).body).toMatchObject({
            maxRowsPerRequest: 10_000,
            maxPostRowsRequestsPerMinute: 120,
            maxRowsPerHour: 1_000_000,
        });
        expect(
            (await control.call('PATCH', '/_emulator/limits', { maxRowsPerRequest: 2 })).body.maxRowsPerRequest,
        ).toBe(2);
        expect((await control.call('PATCH', '/_emulator/limits', { maxRowsPerRequest: 0 })).status).toBe(400);
        expect((await control.call('PATCH', '/_emulator/limits', { noSuchLimit: 1 })).status).toBe(400);
        await control.call('PATCH', '/_emulator/limits', { maxRowsPerRequest: 10_000 });
    });

    it('applies a seed (same content as a seed file) and resets back to empty', async () => {
        const seeded = await control.post('/_emulator/seed', {
            workspaces: [
                {
                    id: 'e0000000-0000-4000-8000-000000000002',
                    name: 'Seeded',
                    members: [{ principalId, role: 'Member' }],
                },
            ],
            models: [
                {
                    id: 'f0000000-0000-4000-8000-000000000002',
                    workspaceId: 'e0000000-0000-4000-8000-000000000002',
                    name: 'M',
                    tables: [{ name: 'T' }],
                    refreshScript: { outcome: 'failure' },
                },
            ],
            pushDatasets: [
                {
                    workspaceId: 'e0000000-0000-4000-8000-000000000002',
                    defaultRetentionPolicy: 'basicFIFO',
                    dataset: salesMarketing,
                },
            ],
        });
        expect(seeded.status).toBe(201);
        expect(seeded.body.models).toEqual(['f0000000-0000-4000-8000-000000000002']);
        const api = apiClient(emulator.url, await tokenFor(principalId));
        const listed = await api.get('/v1.0/myorg/groups/e0000000-0000-4000-8000-000000000002/datasets');
        expect(listed.body.value.map((dataset: { name: string }) => dataset.name).sort()).toEqual([
            'M',
            'SalesMarketing',
        ]);

        expect((await control.post('/_emulator/reset')).status).toBe(200);
        expect((await control.get('/_emulator/datasets')).body.value).toEqual([]);
        expect((await control.get('/_emulator/requests')).body.value).toEqual([]);
        expect((await api.get('/v1.0/myorg/groups/e0000000-0000-4000-8000-000000000002/datasets')).status).toBe(404);
    });

    it('sets a model refresh script and queues scripts for the next refreshes over HTTP', async () => {
        await control.post('/_emulator/workspaces', {
            id: workspaceId,
            name: 'Ops',
            members: [{ principalId, role: 'Admin' }],
        });
        const model = await control.post('/_emulator/models', {
            workspaceId,
            name: 'Scripted',
            tables: [{ name: 'T' }],
        });
        expect(
            (await control.put(`/_emulator/models/${model.body.id}/refresh-script`, { durationSeconds: 5 })).status,
        ).toBe(200);
        expect(
            (
                await control.post(`/_emulator/models/${model.body.id}/next-refresh-scripts`, {
                    outcome: 'failure',
                    durationSeconds: 5,
                })
            ).body,
        ).toEqual({ queued: 1 });
        expect(
            (await control.put(`/_emulator/models/${model.body.id}/refresh-script`, { outcome: 'explode' })).status,
        ).toBe(400);
        const api = apiClient(emulator.url, await tokenFor(principalId));
        const base = `/v1.0/myorg/groups/${workspaceId}/datasets/${model.body.id}/refreshes`;
        await api.post(base, { type: 'Full' });
        emulator.clock.advance({ seconds: 5 });
        await api.post(base, { type: 'Full' });
        emulator.clock.advance({ seconds: 5 });
        expect((await api.get(base)).body.value.map((entry: { status: string }) => entry.status)).toEqual([
            'Completed',
            'Failed',
        ]);
    });
});

describe('fault injection', () => {
    let api: ApiClient;
    let rowsPath: string;
    let datasetId: string;
    beforeAll(async () => {
        api = apiClient(emulator.url, await tokenFor(principalId));
        const push = await api.post(`/v1.0/myorg/groups/${workspaceId}/datasets`, salesMarketing);
        datasetId = push.body.id;
        rowsPath = `/v1.0/myorg/groups/${workspaceId}/datasets/${datasetId}/tables/Product/rows`;
    });

    it('answers the next N calls of an operation with 429 (Retry-After), 500 or 503 in the error envelope', async () => {
        const fault = await control.post('/_emulator/faults', {
            operation: 'postRows',
            kind: 'status',
            status: 429,
            retryAfterSeconds: 7,
            count: 2,
        });
        expect(fault.status).toBe(201);
        for (let index = 0; index < 2; index++) {
            const response = await api.post(rowsPath, { rows: [{ ProductID: 1 }] });
            expect(response.status).toBe(429);
            expect(response.headers.get('Retry-After')).toBe('7');
            expect(response.body.error.code).toBe('TooManyRequests');
        }
        expect((await api.post(rowsPath, { rows: [{ ProductID: 1 }] })).status).toBe(200);

        await emulator.injectFaults({ operation: 'getDatasets', kind: 'status', status: 500 });
        await emulator.injectFaults({ operation: 'getDatasets', kind: 'status', status: 503, retryAfterSeconds: 3 });
        const failed = await api.get(`/v1.0/myorg/groups/${workspaceId}/datasets`);
        expect(failed.status).toBe(500);
        expect(failed.body.error.code).toBe('InternalServerError');
        expect(failed.headers.get('RequestId')).toBeTruthy();
        const unavailable = await api.get(`/v1.0/myorg/groups/${workspaceId}/datasets`);
        expect(unavailable.status).toBe(503);
        expect(unavailable.headers.get('Retry-After')).toBe('3');
        expect((await api.get(`/v1.0/myorg/groups/${workspaceId}/datasets`)).status).toBe(200);
    });

    it('answers a status fault with the plain {"message"} body observed on Power BI 429s when body is "plain"', async () => {
        await emulator.injectFaults({ operation: 'postRows', kind: 'status', status: 429, body: 'plain' });
        const response = await api.post(rowsPath, { rows: [{ ProductID: 1 }] });
        expect(response.status).toBe(429);
        expect(response.headers.get('Retry-After')).toBe('1');
        expect(response.body).toEqual({
            message:
                'You have exceeded the amount of requests allowed in the current time frame and further requests will fail.',
        });
        expect((await emulator.faults()).length).toBe(0);
        expect(
            (
                await control.post('/_emulator/faults', {
                    operation: 'postRows',
                    kind: 'status',
                    status: 429,
                    body: 'html',
                })
            ).status,
        ).toBe(400);
    });

    it('only faults the chosen dataset when datasetId is given', async () => {
        await emulator.injectFaults({
            operation: 'postRows',
            kind: 'status',
            status: 500,
            datasetId: '00000000-0000-4000-8000-000000000000',
        });
        expect((await api.post(rowsPath, { rows: [] })).status).toBe(200);
        expect(await emulator.faults()).toHaveLength(1);
        await control.call('DELETE', '/_emulator/faults');
        expect((await control.get('/_emulator/faults')).body.value).toEqual([]);
    });

    it('resets the connection', async () => {
        await emulator.injectFaults({ operation: 'postRows', kind: 'reset' });
        await expect(api.post(rowsPath, { rows: [] })).rejects.toThrow();
        const log = await emulator.requests();
        expect(log.at(-1)).toMatchObject({ operation: 'postRows', fault: 'reset', status: 0 });
    });

    it('hangs past the client timeout', async () => {
        await emulator.injectFaults({ operation: 'getTables', kind: 'hang' });
        const path = `/v1.0/myorg/groups/${workspaceId}/datasets/${datasetId}/tables`;
        const token = await tokenFor(principalId);
        await expect(
            fetch(`${emulator.url}${path}`, {
                headers: { authorization: `Bearer ${token}` },
                signal: AbortSignal.timeout(100),
            }),
        ).rejects.toThrow();
        expect((await api.get(path)).status).toBe(200);
    });

    it('delays a call and still handles it', async () => {
        const path = `/v1.0/myorg/groups/${workspaceId}/datasets`;
        await emulator.injectFaults({ operation: 'getDatasets', kind: 'delay', delayMs: 1000 });
        const answered: string[] = [];
        const delayed = api.get(path).then((response) => (answered.push('delayed'), response));
        // The fault is taken by the first call; a second one, sent while the first is held, is answered first.
        await expect.poll(async () => (await emulator.faults()).length).toBe(0);
        const prompt = await api.get(path).then((response) => (answered.push('prompt'), response));
        expect([prompt.status, (await delayed).status]).toEqual([200, 200]);
        expect(answered).toEqual(['prompt', 'delayed']);
        const log = (await emulator.requests()).filter((entry) => entry.operation === 'getDatasets').slice(-2);
        expect(log.map((entry) => entry.fault)).toEqual([undefined, 'delay']);
    });

    it('faults the managed identity endpoint too, in its own body shape, and validates fault bodies', async () => {
        await emulator.injectFaults({ operation: 'msiToken', kind: 'status', status: 503, retryAfterSeconds: 2 });
        const url = `${emulator.identityEndpoint}?api-version=2019-08-01&resource=https://analysis.windows.net/powerbi/api`;
        const failed = await fetch(url, { headers: { 'X-IDENTITY-HEADER': emulator.identityHeader } });
        expect(failed.status).toBe(503);
        expect(failed.headers.get('Retry-After')).toBe('2');
        expect(await failed.json()).toEqual({
            statusCode: 503,
            message: 'The service is temporarily unavailable. Please retry later',
        });
        expect((await fetch(url, { headers: { 'X-IDENTITY-HEADER': emulator.identityHeader } })).status).toBe(200);
        for (const operation of ['msiToken', '*']) {
            expect((await control.post('/_emulator/faults', { operation, kind: 'tokenExpired' })).status).toBe(400);
        }
        expect((await control.post('/_emulator/faults', { operation: 'postRows', kind: 'status' })).status).toBe(400);
        expect((await control.post('/_emulator/faults', { operation: 'fly', kind: 'reset' })).status).toBe(400);
        expect(
            (await control.post('/_emulator/faults', { operation: 'postRows', kind: 'status', status: 418 })).status,
        ).toBe(400);
    });

    it("tokenExpired refuses the call's token as expired, on that call and every later one, until a new token is used", async () => {
        const token = await tokenFor(principalId);
        // Issued in the same (frozen) second for the same principal, and still another token (its `uti`).
        const other = await tokenFor(principalId);
        expect(other).not.toBe(token);
        const expiring = apiClient(emulator.url, token);
        await emulator.injectFaults({ operation: 'postRows', kind: 'tokenExpired', datasetId });
        const expired = {
            error: { code: 'TokenExpired', message: 'Access token has expired, resubmit with a new access token' },
        };
        const refused = await expiring.post(rowsPath, { rows: [{ ProductID: 1 }] });
        expect(refused.status).toBe(403);
        expect(refused.body).toEqual(expired);
        // Sticky: any operation with that token, not only the faulted one.
        const later = await expiring.get(`/v1.0/myorg/groups/${workspaceId}/datasets`);
        expect([later.status, later.body]).toEqual([403, expired]);
        expect((await apiClient(emulator.url, other).post(rowsPath, { rows: [{ ProductID: 1 }] })).status).toBe(200);
        const log = (await emulator.requests()).filter((entry) => entry.operation === 'postRows').slice(-2);
        expect(log.map((entry) => [entry.fault, entry.status])).toEqual([
            ['tokenExpired', 403],
            [undefined, 200],
        ]);
        // Clearing pending faults does not make the token valid again; reset does (the workspace is gone then: 404).
        await emulator.clearFaults();
        expect((await expiring.get(`/v1.0/myorg/groups/${workspaceId}/datasets`)).status).toBe(403);
        await emulator.reset();
        expect((await expiring.get(`/v1.0/myorg/groups/${workspaceId}/datasets`)).status).toBe(404);
    });
});
