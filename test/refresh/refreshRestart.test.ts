import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logPollOutcome, type RefreshLog } from '../../src/refresh/logRefreshOutcome';
import { pollRefresh, type PollOutcome } from '../../src/refresh/pollRefresh';
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

describe('a poller that stops and starts again', () => {
    it('loses nothing and records the outcome exactly once', async () => {
        const datasetId = await harness.createModel('Restarted', {
            durationSeconds: 15 * 60,
            outcome: 'failure',
            messages: [
                {
                    code: '0xC11C0020',
                    message: 'Session cancelled because it is connected to a database that has been evicted',
                    type: 'Error',
                },
            ],
        });
        const relay = harness.relay([{ name: 'restarted', datasetId }]);
        const started = await startRefresh({ target: 'restarted', requestedBy: 'timer' }, relay.deps);
        expect(started.kind).toBe('started');
        const outcomes: PollOutcome[] = await relay.drain({ maxChecks: 2 });

        // The host stops after receiving a check and before running it: the message comes back, a new process handles it.
        const unhandled = await relay.receiveCheck();
        await unhandled!.release();
        const afterRestart = relay.restart();
        outcomes.push(...(await relay.drain({ maxChecks: 1 })));

        // The host stops after the check ran (the next one is queued) but before the message was deleted.
        const handledTwice = await relay.receiveCheck();
        outcomes.push(await pollRefresh(handledTwice!.message, afterRestart));
        await handledTwice!.release();
        relay.restart();
        const duplicate = await relay.drain({ maxChecks: 1 });
        expect(duplicate).toEqual([
            expect.objectContaining({ kind: 'stale', reason: expect.stringMatching(/already made/) }),
        ]);

        // The check that sees the end reaches two instances at once.
        let last: PollOutcome[] = [];
        for (;;) {
            const check = await relay.receiveCheck();
            expect(check).toBeDefined();
            const status = await relay.deps.api.getRefreshDetail(
                { workspaceId: harness.workspaceId, datasetId },
                check!.message.requestId,
            );
            if (status.ok && status.value.running) {
                outcomes.push(await pollRefresh(check!.message, relay.deps));
                await check!.delete();
                continue;
            }
            last = await Promise.all([
                pollRefresh(check!.message, relay.deps),
                pollRefresh(check!.message, relay.restart()),
            ]);
            await check!.delete();
            break;
        }
        expect(last.map((o) => o.kind).sort()).toEqual(['recorded', 'stale']);
        expect(await relay.drain()).toEqual([]);

        const history = await relay.deps.history.latest('restarted', 10);
        expect(history).toHaveLength(1);
        expect(history[0]).toMatchObject({
            status: 'Failed',
            requestId: started.kind === 'started' ? started.record.requestId : '',
            durationSeconds: 900,
        });
        expect(harness.webhook.posts.filter((post) => post.dataset === 'restarted')).toHaveLength(1);
        const alerts: string[] = [];
        const log: RefreshLog = { info: () => {}, warn: () => {}, error: (message) => void alerts.push(message) };
        for (const outcome of [...outcomes, ...last]) logPollOutcome(log, outcome);
        expect(alerts).toEqual([expect.stringMatching(/^pbi-relay refresh failed dataset=restarted status=Failed/)]);
        // The model is free again.
        expect((await startRefresh({ target: 'restarted', requestedBy: 'manual' }, relay.deps)).kind).toBe('started');
    });

    it('revives a refresh whose check message was lost when the timer runs next', async () => {
        const datasetId = await harness.createModel('Lost check', { durationSeconds: 3600 });
        const relay = harness.relay([{ name: 'lostCheck', datasetId, schedule: '0 * * * * *' }]);
        const started = await startRefresh({ target: 'lostCheck', requestedBy: 'timer' }, relay.deps);
        await relay.drain({ maxChecks: 2 });
        // The check message is gone (poisoned after repeated failures, or deleted by hand).
        const lost = await relay.receiveCheck();
        await lost!.delete();
        expect(await relay.drain()).toEqual([]);
        harness.emulator.clock.advance({ minutes: 30 });

        const run = await startScheduledRefreshes(relay.deps);
        expect(run.revived.checks).toEqual([started.kind === 'started' ? started.record.id : '']);
        expect(run.outcomes).toEqual([expect.objectContaining({ kind: 'alreadyRunning' })]);
        await relay.drain();
        const history = await relay.deps.history.latest('lostCheck', 5);
        expect(history.map((record) => record.status)).toEqual(['Completed']);
        // Once recorded there is nothing to revive; the new run starts a fresh refresh with a live chain.
        expect((await startScheduledRefreshes(relay.deps)).revived).toEqual({ checks: [], resumed: [], closed: [] });
        await relay.drain();
    });

    it('closes a start interrupted before its POST as Failed with the reason, and frees the model', async () => {
        const datasetId = await harness.createModel('Crashed before POST', { durationSeconds: 60 });
        const relay = harness.relay([{ name: 'crashedEarly', datasetId, scheduled: false }]);
        // The process dies after taking the lock and writing the record, before the start request.
        const dying = {
            ...relay.deps,
            api: {
                ...relay.deps.api,
                startRefresh: () => Promise.reject(new Error('process stopped')),
            },
        };
        await expect(startRefresh({ target: 'crashedEarly', requestedBy: 'manual' }, dying)).rejects.toThrow();
        const [starting] = await relay.deps.history.latest('crashedEarly', 1);
        expect(starting?.status).toBe('Starting');
        relay.restart();
        expect((await startRefresh({ target: 'crashedEarly', requestedBy: 'manual' }, relay.deps)).kind).toBe(
            'alreadyRunning',
        );
        // Within the start budget it may still be at work: left alone.
        expect((await startScheduledRefreshes(relay.deps)).revived.closed).toEqual([]);

        harness.emulator.clock.advance({ minutes: 8 });
        const posts = harness.webhook.posts.length;
        const run = await startScheduledRefreshes(relay.deps);
        expect(run.revived.closed).toEqual([
            expect.objectContaining({
                id: starting!.id,
                status: 'Failed',
                error: expect.objectContaining({ code: 'StartInterrupted' }),
            }),
        ]);
        // The alert is queued; the queue function delivers it.
        await relay.drain();
        expect(harness.webhook.posts.slice(posts)).toEqual([
            expect.objectContaining({ id: starting!.id, status: 'Failed' }),
        ]);
        expect((await startScheduledRefreshes(relay.deps)).revived.closed).toEqual([]);
        expect((await startRefresh({ target: 'crashedEarly', requestedBy: 'manual' }, relay.deps)).kind).toBe(
            'started',
        );
        await relay.drain();
        expect((await relay.deps.history.latest('crashedEarly', 5)).map((r) => r.status)).toEqual([
            'Completed',
            'Failed',
        ]);
    });

    it('resumes a start interrupted after its POST and follows the refresh the service runs', async () => {
        const datasetId = await harness.createModel('Crashed after POST', { durationSeconds: 20 * 60 });
        const relay = harness.relay([{ name: 'crashedLate', datasetId, scheduled: false }]);
        const dying = {
            ...relay.deps,
            api: {
                ...relay.deps.api,
                startRefresh: async (...args: Parameters<typeof relay.deps.api.startRefresh>) => {
                    await relay.deps.api.startRefresh(...args);
                    throw new Error('process stopped');
                },
            },
        };
        await expect(startRefresh({ target: 'crashedLate', requestedBy: 'manual' }, dying)).rejects.toThrow();
        harness.emulator.clock.advance({ minutes: 8 });
        relay.restart();
        const run = await startScheduledRefreshes(relay.deps);
        const [resumed] = await relay.deps.history.latest('crashedLate', 1);
        expect(run.revived.resumed).toEqual([resumed!.id]);
        expect(resumed).toMatchObject({ status: 'Running', requestId: expect.any(String) });
        await relay.drain();
        const history = await relay.deps.history.latest('crashedLate', 5);
        expect(history).toEqual([
            expect.objectContaining({ id: resumed!.id, status: 'Completed', durationSeconds: 1200 }),
        ]);
        // Followed, not started again.
        const posts = (await harness.emulator.requests()).filter(
            (r) => r.method === 'POST' && r.path.endsWith(`/datasets/${datasetId}/refreshes`),
        );
        expect(posts).toHaveLength(1);
    });
});
