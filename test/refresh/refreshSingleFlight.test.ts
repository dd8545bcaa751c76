import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefresh } from '../../src/refresh/startRefresh';
import { startScheduledRefreshes } from '../../src/refresh/startScheduledRefreshes';
import { startRefreshHarness, type RefreshHarness } from './refreshHarness';

let harness: RefreshHarness;
beforeAll(async () => {
    harness = await startRefreshHarness();
});
afterAll(async () => {
    await harness?.stop();
});

const refreshPosts = async (datasetId: string) =>
    (await harness.emulator.requests()).filter(
        (r) => r.method === 'POST' && r.path.endsWith(`/datasets/${datasetId}/refreshes`),
    );

describe('one refresh per model', () => {
    it('two simultaneous starts from two instances and a manual start make one refresh', async () => {
        const datasetId = await harness.createModel('Concurrent', { durationSeconds: 120 });
        const relay = harness.relay([{ name: 'concurrent', datasetId }], { REFRESH_SCHEDULE: '0 * * * * *' });
        const instanceA = relay.deps;
        const instanceB = relay.restart();
        const instanceC = relay.restart();
        const outcomes = await Promise.all([
            startRefresh({ target: 'concurrent', requestedBy: 'timer' }, instanceA),
            startRefresh({ target: 'concurrent', requestedBy: 'timer' }, instanceB),
            startRefresh({ target: 'concurrent', requestedBy: 'manual' }, instanceC),
        ]);
        const started = outcomes.filter((o) => o.kind === 'started');
        expect(started).toHaveLength(1);
        const others = outcomes.filter((o) => o.kind !== 'started');
        expect(others.map((o) => o.kind)).toEqual(['alreadyRunning', 'alreadyRunning']);
        for (const other of others) expect(other).toMatchObject({ runningId: started[0]!.record.id });
        expect(await refreshPosts(datasetId)).toHaveLength(1);

        // While it runs, the timer does not start another; once it is recorded, the next start may.
        const timerRun = await startScheduledRefreshes(relay.deps);
        expect(timerRun.outcomes).toEqual([expect.objectContaining({ kind: 'alreadyRunning' })]);
        await relay.drain();
        const next = await startRefresh({ target: 'concurrent', requestedBy: 'manual' }, relay.deps);
        expect(next.kind).toBe('started');
        expect(await refreshPosts(datasetId)).toHaveLength(2);
        await relay.drain();
        const history = await relay.deps.history.latest('concurrent', 10);
        expect(history.map((r) => r.status)).toEqual(['Completed', 'Completed']);
    });

    it('two targets naming the same model share its lock', async () => {
        const datasetId = await harness.createModel('Shared model', { durationSeconds: 60 });
        const relay = harness.relay(
            [
                { name: 'sharedSales', datasetId, refresh: { objects: [{ table: 'Sales' }] } },
                {
                    name: 'sharedCustomers',
                    datasetName: 'Shared model',
                    refresh: { objects: [{ table: 'Customers' }] },
                },
            ],
            { REFRESH_SCHEDULE: '00:01:00' },
        );
        const run = await startScheduledRefreshes(relay.deps);
        expect(run.outcomes.map((o) => o.kind).sort()).toEqual(['alreadyRunning', 'started']);
        expect(await refreshPosts(datasetId)).toHaveLength(1);
        await relay.drain();
    });

    it('attaches to an enhanced refresh someone else started and follows it to its end', async () => {
        const datasetId = await harness.createModel('Started elsewhere', { durationSeconds: 600 });
        const relay = harness.relay([{ name: 'elsewhere', datasetId }]);
        const model = { workspaceId: harness.workspaceId, datasetId };
        const foreign = await relay.deps.api.startRefresh(model, { type: 'Full' });
        expect(foreign.ok).toBe(true);
        const foreignId = foreign.ok ? foreign.value.refreshId : undefined;

        const outcome = await startRefresh({ target: 'elsewhere', requestedBy: 'timer' }, relay.deps);
        expect(outcome).toMatchObject({
            kind: 'attached',
            record: { trigger: 'attached', requestedBy: 'timer', requestId: foreignId },
        });
        await relay.drain();
        const [record] = await relay.deps.history.latest('elsewhere', 1);
        expect(record).toMatchObject({
            status: 'Completed',
            trigger: 'attached',
            requestId: foreignId,
            durationSeconds: 600,
        });
        // One POST by the other party, one refused POST by the relay.
        expect(await refreshPosts(datasetId)).toHaveLength(2);
    });

    it('attaches to a standard refresh (no execution details) and follows it through the history', async () => {
        const datasetId = await harness.createModel('Standard elsewhere', { durationSeconds: 300 });
        const relay = harness.relay([{ name: 'standard', datasetId }]);
        const standard = await relay.client.send({
            method: 'POST',
            path: `${relay.client.datasetPath(harness.workspaceId, datasetId)}/refreshes`,
            body: { notifyOption: 'NoNotification' },
        });
        expect(standard.ok).toBe(true);
        const outcome = await startRefresh({ target: 'standard', requestedBy: 'manual' }, relay.deps);
        expect(outcome.kind).toBe('attached');
        await relay.drain();
        const [record] = await relay.deps.history.latest('standard', 1);
        expect(record).toMatchObject({ status: 'Completed', trigger: 'attached', refreshType: 'ViaApi' });
        expect(record!.durationSeconds).toBe(300);
    });

    it('retries a throttled start after Retry-After within the budget', async () => {
        const datasetId = await harness.createModel('Throttled start', { durationSeconds: 30 });
        const relay = harness.relay([{ name: 'throttled', datasetId }]);
        await harness.emulator.injectFaults({
            operation: 'refreshDataset',
            kind: 'status',
            status: 429,
            retryAfterSeconds: 20,
            count: 2,
            datasetId,
        });
        const before = harness.emulator.clock.now().getTime();
        const outcome = await startRefresh({ target: 'throttled', requestedBy: 'timer' }, relay.deps);
        expect(outcome).toMatchObject({ kind: 'started', record: { startAttempts: 3 } });
        expect(harness.emulator.clock.now().getTime() - before).toBe(40_000);
        await relay.drain();
    });

    it('records a start that stays throttled past the budget as Failed and frees the model', async () => {
        const datasetId = await harness.createModel('Throttled long', { durationSeconds: 30 });
        const relay = harness.relay([{ name: 'throttledLong', datasetId }], { REFRESH_START_BUDGET_SECONDS: '60' });
        await harness.emulator.injectFaults({
            operation: 'refreshDataset',
            kind: 'status',
            status: 429,
            retryAfterSeconds: 3392,
            datasetId,
        });
        const outcome = await startRefresh({ target: 'throttledLong', requestedBy: 'timer' }, relay.deps);
        expect(outcome).toMatchObject({
            kind: 'failed',
            failure: { kind: 'throttled' },
            record: { status: 'Failed', error: { status: 429 } },
        });
        await relay.drain();
        expect(harness.webhook.posts.filter((post) => post.dataset === 'throttledLong')).toHaveLength(1);
        const retried = await startRefresh({ target: 'throttledLong', requestedBy: 'manual' }, relay.deps);
        expect(retried.kind).toBe('started');
        await relay.drain();
    });

    it('records a start the service refuses with its code and message', async () => {
        const { id: sharedWorkspace } = await harness.emulator.createWorkspace({
            name: 'Shared capacity',
            capacity: 'Shared',
            members: [{ principalId: '11111111-1111-4111-8111-111111111111', role: 'Admin' }],
        });
        const { id: datasetId } = await harness.emulator.createModel({
            workspaceId: sharedWorkspace,
            name: 'Pro model',
            tables: [{ name: 'T' }],
        });
        const relay = harness.relay([{ name: 'pro', workspaceId: sharedWorkspace, datasetId }]);
        const outcome = await startRefresh({ target: 'pro', requestedBy: 'timer' }, relay.deps);
        expect(outcome).toMatchObject({
            kind: 'failed',
            record: { status: 'Failed', error: { status: 400, code: 'InvalidRequest' } },
        });
        if (outcome.kind === 'failed') expect(outcome.record.error?.message).toMatch(/Premium/);
    });

    it('starts the only target when none is named, and lists the targets when several exist', async () => {
        const datasetId = await harness.createModel('Only one', { durationSeconds: 30 });
        const single = harness.relay([{ name: 'only', datasetId }]);
        expect((await startRefresh({ requestedBy: 'manual' }, single.deps)).kind).toBe('started');
        await single.drain();
        const several = harness.relay([
            { name: 'first', datasetId },
            { name: 'second', datasetId },
        ]);
        expect(await startRefresh({ requestedBy: 'manual' }, several.deps)).toEqual({
            kind: 'unknownTarget',
            target: undefined,
            targets: ['first', 'second'],
        });
    });
});
