import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { powerBiSchemas } from '../../emulator';
import { createSalesDataset, startTestBed, type TestBed } from './support/powerBiTestBed';

let bed: TestBed;
let modelId: string;
let base: string;
beforeAll(async () => {
    bed = await startTestBed();
});
afterAll(async () => {
    await bed.emulator.close();
});
beforeEach(async () => {
    const model = await bed.emulator.createModel({
        workspaceId: bed.workspaceId,
        name: `Sales model ${Math.random()}`,
        tables: [{ name: 'Sales', partitions: ['Sales-2024', 'Sales-2025'] }, { name: 'Customer' }],
        refreshScript: { durationSeconds: 120 },
    });
    modelId = model.id;
    base = `${bed.group}/datasets/${modelId}/refreshes`;
});

const advance = (seconds: number) => bed.emulator.clock.advance({ seconds });
const history = async (top?: number) => {
    const response = await bed.api.get(top === undefined ? base : `${base}?$top=${top}`);
    expect(response.status).toBe(200);
    return powerBiSchemas.refreshesSchema.parse(response.body).value;
};

describe('triggering a refresh', () => {
    it('an enhanced request answers 202 with Location and x-ms-request-id, and an empty body', async () => {
        const response = await bed.api.post(base, { type: 'Full', commitMode: 'transactional', retryCount: 1 });
        expect(response.status).toBe(202);
        expect(response.text).toBe('');
        const refreshId = response.headers.get('x-ms-request-id');
        expect(refreshId).toMatch(/^[0-9a-f-]{36}$/);
        expect(response.headers.get('Location')).toBe(`${bed.emulator.url}${base}/${refreshId}`);
        expect(response.headers.get('RequestId')).toBeTruthy();
        const [entry] = await history();
        expect(entry).toMatchObject({
            requestId: refreshId,
            refreshType: 'ViaEnhancedApi',
            status: 'Unknown',
            extendedStatus: 'InProgress',
        });
    });

    it('a standard request (no body, or notifyOption only) answers 202 with only RequestId', async () => {
        for (const body of [undefined, { notifyOption: 'NoNotification' }]) {
            const response = await bed.api.post(base, body);
            expect(response.status).toBe(202);
            expect(response.headers.get('Location')).toBeNull();
            expect(response.headers.get('x-ms-request-id')).toBeNull();
            expect(response.headers.get('Content-Length')).toBe('0');
            const [entry] = await history(1);
            expect(entry?.refreshType).toBe('ViaApi');
            advance(120);
        }
    });

    it('a second request while one runs gets 400 InvalidRequest "Another refresh request is already executing"', async () => {
        expect((await bed.api.post(base, { type: 'Full' })).status).toBe(202);
        for (const body of [{ type: 'Full' }, undefined]) {
            const second = await bed.api.post(base, body);
            expect(second.status).toBe(400);
            expect(second.body).toEqual({
                error: {
                    code: 'InvalidRequest',
                    message: 'Invalid dataset refresh request. Another refresh request is already executing',
                },
            });
        }
        advance(120);
        expect((await bed.api.post(base, { type: 'Full' })).status).toBe(202);
    });

    it('a refresh on a push dataset is rejected', async () => {
        const pushId = await createSalesDataset(bed);
        const response = await bed.api.post(`${bed.group}/datasets/${pushId}/refreshes`, { type: 'Full' });
        expect(response.status).toBe(400);
        expect(response.body.error.message).toContain('Push API dataset');
    });

    it('an enhanced refresh in a Shared capacity workspace is rejected', async () => {
        const shared = await bed.emulator.createWorkspace({
            name: 'Pro',
            capacity: 'Shared',
            members: [{ principalId: 'a0000000-0000-4000-8000-00000000ad01', role: 'Admin' }],
        });
        const model = await bed.emulator.createModel({ workspaceId: shared.id, name: 'm', tables: [{ name: 'T' }] });
        const path = `/v1.0/myorg/groups/${shared.id}/datasets/${model.id}/refreshes`;
        expect((await bed.api.post(path, { type: 'Full' })).status).toBe(400);
        expect((await bed.api.post(path)).status).toBe(202);
    });

    it('a Shared capacity model takes 8 standard refreshes in 24 h; the ninth is a 400, and a day later one fits again', async () => {
        const shared = await bed.emulator.createWorkspace({
            name: 'Pro quota',
            capacity: 'Shared',
            members: [{ principalId: 'a0000000-0000-4000-8000-00000000ad01', role: 'Admin' }],
        });
        const model = await bed.emulator.createModel({
            workspaceId: shared.id,
            name: 'm',
            tables: [{ name: 'T' }],
            refreshScript: { durationSeconds: 60 },
        });
        const path = `/v1.0/myorg/groups/${shared.id}/datasets/${model.id}/refreshes`;
        const statuses: number[] = [];
        for (let i = 0; i < 9; i += 1) {
            statuses.push((await bed.api.post(path, { notifyOption: 'NoNotification' })).status);
            advance(3600);
        }
        expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 202, 202, 400]);
        const ninth = await bed.api.post(path);
        expect(ninth.body).toEqual({
            error: {
                code: 'InvalidRequest',
                message:
                    'Invalid dataset refresh request. The model has reached its limit of 8 refreshes per day on shared capacity',
            },
        });
        // Refused requests do not count; the first refresh leaves the 24 h window after 24 h.
        advance(24 * 3600 - 9 * 3600 + 1);
        expect((await bed.api.post(path)).status).toBe(202);
        expect((await bed.api.post(path)).status).toBe(400);
        const entries = powerBiSchemas.refreshesSchema.parse((await bed.api.get(path)).body).value;
        expect(entries.filter((entry) => entry.refreshType === 'ViaApi')).toHaveLength(9);
    });

    it('Premium models have no daily quota', async () => {
        for (let i = 0; i < 9; i += 1) {
            expect((await bed.api.post(base)).status).toBe(202);
            advance(3600);
        }
        expect(await history()).toHaveLength(9);
    });
});

describe('refresh parameter rules', () => {
    it.each([
        ['type Full (docs casing mix)', { type: 'full', commitMode: 'Transactional' }, 202],
        [
            'every documented parameter',
            {
                type: 'DataOnly',
                commitMode: 'partialBatch',
                maxParallelism: 2,
                retryCount: 3,
                objects: [{ table: 'Sales', partition: 'Sales-2025' }, { table: 'Customer' }],
                applyRefreshPolicy: false,
                effectiveDate: '2025-01-01T00:00:00Z',
                timeout: '02:30:00',
            },
            202,
        ],
        [
            'applyRefreshPolicy as the string "false" (spec example)',
            {
                type: 'full',
                commitMode: 'transactional',
                objects: [{ table: 'Sales', partition: 'Sales-2024' }],
                applyRefreshPolicy: 'false',
            },
            202,
        ],
        ['type add is not supported', { type: 'add' }, 400],
        ['unknown type', { type: 'Everything' }, 400],
        ['unknown commitMode', { commitMode: 'Eventually' }, 400],
        ['maxParallelism not an integer', { maxParallelism: 1.5 }, 400],
        ['maxParallelism zero', { maxParallelism: 0 }, 400],
        ['retryCount negative', { retryCount: -1 }, 400],
        ['retryCount as string', { retryCount: '2' }, 400],
        ['unknown table in objects', { objects: [{ table: 'Nope' }] }, 400],
        ['table name in the wrong case', { objects: [{ table: 'sales' }] }, 400],
        ['unknown partition', { objects: [{ table: 'Sales', partition: 'Sales-1999' }] }, 400],
        ['object without table', { objects: [{ partition: 'Sales-2024' }] }, 400],
        ['partialBatch with applyRefreshPolicy true', { commitMode: 'partialBatch', applyRefreshPolicy: true }, 400],
        ['partialBatch with applyRefreshPolicy left at its default (true)', { commitMode: 'partialBatch' }, 400],
        ['effectiveDate not a date', { effectiveDate: 'soon' }, 400],
        ['timeout beyond 23:59:59', { timeout: '24:00:00' }, 400],
        ['timeout without seconds', { timeout: '05:00' }, 400],
        ['notifyOption with enhanced parameters', { notifyOption: 'NoNotification', type: 'Full' }, 400],
        ['MailOnFailure from a service principal', { notifyOption: 'MailOnFailure' }, 400],
        ['unknown property', { type: 'Full', priority: 'high' }, 400],
    ])('%s -> %i', async (_name, body, status) => {
        const response = await bed.api.post(base, body);
        expect(response.status, response.text).toBe(status);
        if (status === 400) expect(['BadRequest', 'InvalidRequest']).toContain(response.body.error.code);
    });

    it('quotes the service message for MailOnFailure from an app', async () => {
        const response = await bed.api.post(base, { notifyOption: 'MailOnFailure' });
        expect(response.body.error.message).toBe(
            "Invalid NotifyOption value 'MailOnFailure' for app only owner requests",
        );
    });

    it('a user may ask for MailOnFailure on a standard refresh in My workspace', async () => {
        const user = await bed.clientFor('b0000000-0000-4000-8000-0000000000aa', 'user');
        // My workspace models are created by users in the service; here a user refreshes a workspace model they administer.
        const workspace = await bed.emulator.createWorkspace({
            name: 'u',
            members: [{ principalId: 'b0000000-0000-4000-8000-0000000000aa', role: 'Admin' }],
        });
        const model = await bed.emulator.createModel({ workspaceId: workspace.id, name: 'm', tables: [{ name: 'T' }] });
        expect(
            (
                await user.post(`/v1.0/myorg/groups/${workspace.id}/datasets/${model.id}/refreshes`, {
                    notifyOption: 'MailOnFailure',
                })
            ).status,
        ).toBe(202);
    });
});

describe('history and execution details', () => {
    it('follows the script: NotStarted, InProgress, then Completed with 202 then 200 from details', async () => {
        await bed.emulator.setRefreshScript(modelId, { startDelaySeconds: 10, durationSeconds: 50 });
        const accepted = await bed.api.post(base, { type: 'Full', objects: [{ table: 'Sales' }] });
        const detailsPath = `${base}/${accepted.headers.get('x-ms-request-id')}`;

        let details = await bed.api.get(detailsPath);
        expect(details.status).toBe(202);
        expect(powerBiSchemas.datasetRefreshDetailSchema.parse(details.body)).toMatchObject({
            status: 'Unknown',
            extendedStatus: 'NotStarted',
            type: 'Full',
            commitMode: 'Transactional',
            numberOfAttempts: 0,
        });
        expect(details.body.endTime).toBeUndefined();

        advance(10);
        details = await bed.api.get(detailsPath);
        expect(details.status).toBe(202);
        expect(details.body.extendedStatus).toBe('InProgress');
        expect(details.body.objects).toEqual([
            { table: 'Sales', partition: 'Sales-2024', status: 'InProgress' },
            { table: 'Sales', partition: 'Sales-2025', status: 'InProgress' },
        ]);

        advance(50);
        details = await bed.api.get(detailsPath);
        expect(details.status).toBe(200);
        const detail = powerBiSchemas.datasetRefreshDetailSchema.parse(details.body);
        expect(detail).toMatchObject({ status: 'Completed', extendedStatus: 'Completed', numberOfAttempts: 1 });
        expect(Date.parse(detail.endTime!) - Date.parse(detail.startTime)).toBe(60_000);

        const [entry] = await history(1);
        expect(entry).toMatchObject({
            status: 'Completed',
            extendedStatus: 'Completed',
            refreshAttempts: [{ attemptId: 1, type: 'Data' }],
        });
        expect(entry?.endTime).toBe(detail.endTime);
        expect(typeof entry?.id).toBe('number');
    });

    it('returns the newest entries first and honours $top (integer >= 1)', async () => {
        for (let index = 0; index < 3; index++) {
            await bed.api.post(base, { type: 'Full' });
            advance(120);
        }
        const all = await history();
        expect(all).toHaveLength(3);
        expect(all[0]!.id).toBeGreaterThan(all[1]!.id!);
        expect(await history(2)).toEqual(all.slice(0, 2));
        for (const bad of ['0', '-1', 'two', '1.5'])
            expect((await bed.api.get(`${base}?$top=${bad}`)).status).toBe(400);
    });

    it('keeps at most 60 history entries', async () => {
        await bed.emulator.setRefreshScript(modelId, { durationSeconds: 1 });
        for (let index = 0; index < 62; index++) {
            expect((await bed.api.post(base)).status).toBe(202);
            advance(1);
        }
        expect(await history()).toHaveLength(60);
        expect(await history(100)).toHaveLength(60);
    });

    it('fails with the documented eviction error 0xC11C0020 in messages and serviceExceptionJson', async () => {
        await bed.emulator.setRefreshScript(modelId, { outcome: 'failure', durationSeconds: 30 });
        const accepted = await bed.api.post(base, { type: 'Full' });
        advance(30);
        const details = await bed.api.get(`${base}/${accepted.headers.get('x-ms-request-id')}`);
        expect(details.status).toBe(200);
        expect(details.body).toMatchObject({ status: 'Failed', extendedStatus: 'Failed', numberOfAttempts: 1 });
        expect(details.body.messages).toEqual([expect.objectContaining({ code: '0xC11C0020', type: 'Error' })]);
        const [entry] = await history(1);
        expect(entry?.status).toBe('Failed');
        expect(JSON.parse(entry!.serviceExceptionJson!)).toMatchObject({
            errorCode: expect.any(String),
            errorDescription: expect.stringContaining('0xC11C0020'),
        });
    });

    it('fails then succeeds on retry within retryCount', async () => {
        await bed.emulator.setRefreshScript(modelId, { failedAttempts: 2, durationSeconds: 10 });
        const accepted = await bed.api.post(base, { type: 'Full', retryCount: 2 });
        const detailsPath = `${base}/${accepted.headers.get('x-ms-request-id')}`;
        advance(15);
        expect((await bed.api.get(detailsPath)).body).toMatchObject({
            extendedStatus: 'InProgress',
            numberOfAttempts: 2,
        });
        advance(15);
        const done = await bed.api.get(detailsPath);
        expect(done.status).toBe(200);
        expect(done.body).toMatchObject({ status: 'Completed', numberOfAttempts: 3 });
        expect(
            done.body.refreshAttempts.map(
                (attempt: { serviceExceptionJson?: string }) => attempt.serviceExceptionJson !== undefined,
            ),
        ).toEqual([true, true, false]);
    });

    it('fails when failing attempts outnumber retryCount', async () => {
        await bed.emulator.setRefreshScript(modelId, { failedAttempts: 2, durationSeconds: 10 });
        const accepted = await bed.api.post(base, { type: 'Full', retryCount: 1 });
        advance(20);
        const done = await bed.api.get(`${base}/${accepted.headers.get('x-ms-request-id')}`);
        expect(done.body).toMatchObject({ status: 'Failed', extendedStatus: 'Failed', numberOfAttempts: 2 });
    });

    it('times out each attempt at the request timeout (default 05:00:00)', async () => {
        await bed.emulator.setRefreshScript(modelId, { outcome: 'timeout' });
        const accepted = await bed.api.post(base, { type: 'Full', timeout: '00:10:00', retryCount: 1 });
        const detailsPath = `${base}/${accepted.headers.get('x-ms-request-id')}`;
        advance(19 * 60);
        expect((await bed.api.get(detailsPath)).status).toBe(202);
        advance(60);
        const done = await bed.api.get(detailsPath);
        expect(done.status).toBe(200);
        expect(done.body).toMatchObject({ status: 'Failed', extendedStatus: 'TimedOut', numberOfAttempts: 2 });

        await bed.emulator.setRefreshScript(modelId, { durationSeconds: 6 * 3600 });
        const slow = await bed.api.post(base, { type: 'Full' });
        advance(5 * 3600);
        expect((await bed.api.get(`${base}/${slow.headers.get('x-ms-request-id')}`)).body.extendedStatus).toBe(
            'TimedOut',
        );
    });

    it('caps a refresh with retries at 24 hours in total', async () => {
        await bed.emulator.setRefreshScript(modelId, { outcome: 'timeout' });
        const accepted = await bed.api.post(base, { type: 'Full', timeout: '10:00:00', retryCount: 5 });
        advance(24 * 3600);
        const done = await bed.api.get(`${base}/${accepted.headers.get('x-ms-request-id')}`);
        expect(done.body).toMatchObject({ extendedStatus: 'TimedOut', numberOfAttempts: 3 });
        expect(Date.parse(done.body.endTime) - Date.parse(done.body.startTime)).toBe(24 * 3600 * 1000);
    });

    it('a dropped refresh is accepted (202) but never appears in history or details, and does not block', async () => {
        await bed.emulator.queueRefreshScript(modelId, { dropped: true });
        const accepted = await bed.api.post(base, { type: 'Full' });
        expect(accepted.status).toBe(202);
        expect(await history()).toEqual([]);
        const details = await bed.api.get(`${base}/${accepted.headers.get('x-ms-request-id')}`);
        expect(details.status).toBe(404);
        expect((await bed.api.post(base, { type: 'Full' })).status).toBe(202);
        expect(await history()).toHaveLength(1);
    });

    it('queued scripts apply to the next refreshes in order, then the model script again', async () => {
        await bed.emulator.queueRefreshScript(modelId, { outcome: 'failure', durationSeconds: 5 });
        await bed.emulator.queueRefreshScript(modelId, { durationSeconds: 7 });
        for (let index = 0; index < 3; index++) {
            await bed.api.post(base, { type: 'Full' });
            advance(200);
        }
        const entries = (await history()).reverse();
        expect(entries.map((entry) => entry.status)).toEqual(['Failed', 'Completed', 'Completed']);
        expect(entries.map((entry) => (Date.parse(entry.endTime!) - Date.parse(entry.startTime)) / 1000)).toEqual([
            5, 7, 120,
        ]);
    });

    it('standard refreshes have no execution details (404)', async () => {
        await bed.api.post(base);
        const [entry] = await history(1);
        expect((await bed.api.get(`${base}/${entry!.requestId}`)).status).toBe(404);
        expect((await bed.api.delete(`${base}/${entry!.requestId}`)).status).toBe(404);
    });
});

describe('cancel', () => {
    it('DELETE cancels a running enhanced refresh: 200, then status and extendedStatus Cancelled', async () => {
        const accepted = await bed.api.post(base, { type: 'Full' });
        const refreshId = accepted.headers.get('x-ms-request-id');
        advance(30);
        const cancelled = await bed.api.delete(`${base}/${refreshId}`);
        expect(cancelled.status).toBe(200);
        expect(cancelled.text).toBe('');
        const details = await bed.api.get(`${base}/${refreshId}`);
        expect(details.status).toBe(200);
        expect(details.body).toMatchObject({ status: 'Cancelled', extendedStatus: 'Cancelled' });
        const [entry] = await history(1);
        expect(entry).toMatchObject({ status: 'Cancelled', extendedStatus: 'Cancelled' });
        expect(Date.parse(entry!.endTime!) - Date.parse(entry!.startTime)).toBe(30_000);
        expect((await bed.api.post(base, { type: 'Full' })).status).toBe(202);
    });

    it('cancelling a finished refresh is a 400 and an unknown one a 404', async () => {
        const accepted = await bed.api.post(base, { type: 'Full' });
        advance(120);
        expect((await bed.api.delete(`${base}/${accepted.headers.get('x-ms-request-id')}`)).status).toBe(400);
        expect((await bed.api.delete(`${base}/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    });

    it('a Viewer can read history but not refresh or cancel', async () => {
        const viewer = await bed.clientFor('a0000000-0000-4000-8000-0000000000e1');
        expect((await viewer.get(base)).status).toBe(200);
        expect((await viewer.post(base, { type: 'Full' })).status).toBe(403);
    });
});
