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

describe('chained targets', () => {
    it('runs A -> B -> C in order, and stops at a failure saying so in the history', async () => {
        const a = await harness.createModel('Chain source', { durationSeconds: 30 });
        const b = await harness.createModel('Chain composite', { durationSeconds: 30 });
        const c = await harness.createModel('Chain report model', { durationSeconds: 30 });
        const relay = harness.relay([
            { name: 'chainA', datasetId: a, scheduled: false },
            { name: 'chainB', datasetId: b, after: ['chainA'] },
            { name: 'chainC', datasetId: c, after: ['chainB'] },
        ]);
        const tick = async () => {
            harness.emulator.clock.advance({ minutes: 1 });
            return (await startScheduledRefreshes(relay.deps)).outcomes.map((o) => `${o.target} ${o.kind}`);
        };
        const statuses = async (target: string) =>
            (await relay.deps.history.latest(target, 10)).map((record) => record.status);

        // Nothing has run: the chain waits for A.
        expect(await tick()).toEqual([]);
        const first = await startRefresh({ target: 'chainA', requestedBy: 'manual' }, relay.deps);
        expect(await tick()).toEqual([]); // A still runs
        await relay.drain();
        expect(await tick()).toEqual(['chainB started']);
        expect(await tick()).toEqual([]); // B runs; C waits for it
        await relay.drain();
        expect(await tick()).toEqual(['chainC started']);
        await relay.drain();
        expect(await tick()).toEqual([]);
        const [chainB] = await relay.deps.history.latest('chainB', 1);
        expect(chainB).toMatchObject({
            status: 'Completed',
            trigger: 'chain',
            requestedBy: 'chain',
            upstream: first.kind === 'started' ? first.record.id : '',
        });

        // A fails: B and C do not start, and their history says why.
        await harness.emulator.setRefreshScript(a, { durationSeconds: 30, outcome: 'failure' });
        await startRefresh({ target: 'chainA', requestedBy: 'manual' }, relay.deps);
        await relay.drain();
        expect(await tick()).toEqual(['chainB blocked']);
        expect(await tick()).toEqual(['chainC blocked']);
        expect(await tick()).toEqual([]);
        expect(await statuses('chainA')).toEqual(['Failed', 'Completed']);
        expect(await statuses('chainB')).toEqual(['Blocked', 'Completed']);
        expect(await statuses('chainC')).toEqual(['Blocked', 'Completed']);
        const [blocked] = await relay.deps.history.latest('chainC', 1);
        expect(blocked?.error).toEqual({
            code: 'UpstreamNotCompleted',
            message: expect.stringMatching(/^Not started: chainB ended Blocked/),
        });
        const posts = (await harness.emulator.requests()).filter(
            (r) => r.method === 'POST' && /\/refreshes$/.test(r.path),
        );
        expect(posts.filter((r) => r.path.includes(b))).toHaveLength(1);
        expect(posts.filter((r) => r.path.includes(c))).toHaveLength(1);
    });

    it('anyCompleted starts after one upstream, and two instances start it once', async () => {
        const a = await harness.createModel('Any source 1', { durationSeconds: 30 });
        const b = await harness.createModel('Any source 2', { durationSeconds: 30, outcome: 'failure' });
        const c = await harness.createModel('Any downstream', { durationSeconds: 30 });
        const relay = harness.relay([
            { name: 'anyA', datasetId: a, scheduled: false },
            { name: 'anyB', datasetId: b, scheduled: false },
            { name: 'anyC', datasetId: c, after: ['anyA', 'anyB'], afterMode: 'anyCompleted' },
        ]);
        await startRefresh({ target: 'anyB', requestedBy: 'manual' }, relay.deps);
        await relay.drain();
        harness.emulator.clock.advance({ minutes: 1 });
        // One failed, the other has not run: wait.
        expect((await startScheduledRefreshes(relay.deps)).outcomes).toEqual([]);
        await startRefresh({ target: 'anyA', requestedBy: 'manual' }, relay.deps);
        await relay.drain();
        harness.emulator.clock.advance({ minutes: 1 });
        const runs = await Promise.all([startScheduledRefreshes(relay.deps), startScheduledRefreshes(relay.restart())]);
        expect(runs.flatMap((run) => run.outcomes).map((o) => `${o.target} ${o.kind}`)).toEqual(['anyC started']);
        await relay.drain();
        expect((await relay.deps.history.latest('anyC', 5)).map((r) => r.status)).toEqual(['Completed']);
    });
});
