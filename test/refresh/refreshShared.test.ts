import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSystemAssignedPrincipalId } from '../../emulator';
import { startRefresh } from '../../src/refresh/startRefresh';
import { startRefreshHarness, type RefreshHarness } from './refreshHarness';

let harness: RefreshHarness;
let sharedWorkspaceId: string;
beforeAll(async () => {
    harness = await startRefreshHarness();
    sharedWorkspaceId = (
        await harness.emulator.createWorkspace({
            name: 'Pro workspace',
            capacity: 'Shared',
            members: [{ principalId: defaultSystemAssignedPrincipalId, role: 'Member' }],
        })
    ).id;
});
afterAll(async () => {
    await harness?.stop();
});

async function sharedModel(name: string, durationSeconds: number): Promise<string> {
    const { id } = await harness.emulator.createModel({
        workspaceId: sharedWorkspaceId,
        name,
        tables: [{ name: 'Sales' }],
        refreshScript: { durationSeconds },
    });
    return id;
}

const requestsTo = async (datasetId: string, method: string) =>
    (await harness.emulator.requests()).filter(
        (r) => r.method === method && r.path.includes(`/datasets/${datasetId}/refreshes`),
    );

describe('standard refresh on shared (Pro) capacity', () => {
    it('sends a standard refresh, follows it through the refresh history, and records Completed', async () => {
        const datasetId = await sharedModel('Pro sales', 300);
        const relay = harness.relay([{ name: 'pro', datasetId, workspaceId: sharedWorkspaceId, sharedCapacity: true }]);
        const started = await startRefresh({ target: 'pro', requestedBy: 'manual' }, relay.deps);
        expect(started.kind).toBe('started');
        await relay.drain();
        const [record] = await relay.deps.history.latest('pro', 1);
        expect(record).toMatchObject({ status: 'Completed', refreshType: 'ViaApi', durationSeconds: 300, options: {} });
        // No execution details exist for a standard refresh: every check read the history.
        const gets = await requestsTo(datasetId, 'GET');
        expect(gets.every((r) => !/\/refreshes\/[^/?]+$/.test(r.path))).toBe(true);
        expect(gets.length).toBeGreaterThanOrEqual(record!.polls);
        expect((await requestsTo(datasetId, 'POST')).length).toBe(1);
    });

    it('refuses the ninth refresh of 24 h, counting refreshes the relay did not start, and says when the next fits', async () => {
        const datasetId = await sharedModel('Pro quota', 60);
        const relay = harness.relay([
            { name: 'proQuota', datasetId, workspaceId: sharedWorkspaceId, sharedCapacity: true },
        ]);
        const model = { workspaceId: sharedWorkspaceId, datasetId };
        const firstAt = harness.emulator.clock.now().getTime();
        // One started by someone else (another tool, the service's own schedule counts the same).
        expect((await relay.deps.api.startRefresh(model, {})).ok).toBe(true);
        harness.emulator.clock.advance({ minutes: 30 });
        for (let i = 0; i < 7; i += 1) {
            expect((await startRefresh({ target: 'proQuota', requestedBy: 'manual' }, relay.deps)).kind).toBe(
                'started',
            );
            await relay.drain();
            harness.emulator.clock.advance({ minutes: 30 });
        }
        const ninth = await startRefresh({ target: 'proQuota', requestedBy: 'manual' }, relay.deps);
        expect(ninth).toMatchObject({
            kind: 'failed',
            failure: { code: 'DailyRefreshLimit', status: 429 },
            record: { status: 'Failed', error: { code: 'DailyRefreshLimit' } },
        });
        if (ninth.kind !== 'failed' || ninth.failure.kind !== 'throttled') throw new Error('not refused');
        expect(ninth.failure.message).toContain(`next fits after ${new Date(firstAt + 24 * 3600_000).toISOString()}`);
        expect(ninth.failure.retryAfterSeconds).toBe(
            Math.ceil((firstAt + 24 * 3600_000 - harness.emulator.clock.now().getTime()) / 1000),
        );
        // The relay refused it itself: the service saw 8 requests.
        expect((await requestsTo(datasetId, 'POST')).length).toBe(8);
    });

    it('records a standard refresh past its deadline TimedOut without trying to cancel it', async () => {
        const datasetId = await sharedModel('Pro slow', 3 * 3600);
        const relay = harness.relay([
            { name: 'proSlow', datasetId, workspaceId: sharedWorkspaceId, sharedCapacity: true, deadline: '01:00:00' },
        ]);
        await startRefresh({ target: 'proSlow', requestedBy: 'manual' }, relay.deps);
        await relay.drain();
        const [record] = await relay.deps.history.latest('proSlow', 1);
        expect(record).toMatchObject({ status: 'TimedOut', error: { code: 'DeadlineReached' } });
        expect(record!.error!.message).toMatch(/standard refreshes cannot be cancelled/);
        expect(await requestsTo(datasetId, 'DELETE')).toEqual([]);
    });

    it('rejects refresh options on a shared-capacity target when the config loads', () => {
        expect(() =>
            harness.relay([
                { name: 'proBad', datasetId: sharedWorkspaceId, sharedCapacity: true, refresh: { retryCount: 2 } },
            ]),
        ).toThrow(/sharedCapacity target gets a standard refresh, which takes no options/);
    });
});
