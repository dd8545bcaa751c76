import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logAlertDelivery, type RefreshLog } from '../../src/refresh/logRefreshOutcome';
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

function collectingLog() {
    const lines: { level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> }[] = [];
    const log: RefreshLog = {
        info: (message, fields) => void lines.push({ level: 'info', message, fields }),
        warn: (message, fields) => void lines.push({ level: 'warn', message, fields }),
        error: (message, fields) => void lines.push({ level: 'error', message, fields }),
    };
    return { log, lines };
}

const postsOf = (dataset: string) =>
    harness.webhook.posts
        .filter((post) => post.dataset === dataset)
        .map((post) => ({ kind: post.kind, alertId: post.alertId }));

describe('alerts that escalate', () => {
    it('alerts once when no refresh completed within maxAge, and "back to normal" once when one does', async () => {
        const datasetId = await harness.createModel('Aging', { durationSeconds: 60 });
        const relay = harness.relay([{ name: 'aging', datasetId, scheduled: false, maxAge: '01:00:00' }]);
        await startRefresh({ target: 'aging', requestedBy: 'manual' }, relay.deps);
        await relay.drain();
        const [first] = await relay.deps.history.latest('aging', 1);
        expect(first!.status).toBe('Completed');

        harness.emulator.clock.advance({ minutes: 59 });
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([]);
        harness.emulator.clock.advance({ minutes: 2 });
        const staleId = `aging:stale:${first!.endTime}`;
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([
            { target: 'aging', about: 'stale', alertId: staleId },
        ]);
        // The same episode, later ticks and another instance (a new process): no second alert.
        harness.emulator.clock.advance({ minutes: 1 });
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([]);
        expect((await startScheduledRefreshes(relay.restart())).escalations).toEqual([]);
        await relay.drain();

        await startRefresh({ target: 'aging', requestedBy: 'manual' }, relay.deps);
        await relay.drain();
        const [second] = await relay.deps.history.latest('aging', 1);
        harness.emulator.clock.advance({ minutes: 1 });
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([]);
        await relay.drain();
        expect(postsOf('aging')).toEqual([
            { kind: 'stale', alertId: staleId },
            { kind: 'recovery', alertId: `${second!.id}:Completed` },
        ]);
        const recovery = harness.webhook.posts.find((post) => post.alertId === `${second!.id}:Completed`);
        expect(recovery).toMatchObject({ staleSince: first!.endTime, status: 'Completed' });
        expect(recovery!.text).toMatch(/back to normal: Completed after 1m 0s \(none had completed since /);

        // A second episode after the next completion ages out: its own alert, once.
        harness.emulator.clock.advance({ minutes: 61 });
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([
            { target: 'aging', about: 'stale', alertId: `aging:stale:${second!.endTime}` },
        ]);
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([]);
    });

    it('counts maxAge from when the relay began watching a target that never completed', async () => {
        const datasetId = await harness.createModel('Never', { durationSeconds: 60 });
        const relay = harness.relay([{ name: 'never', datasetId, scheduled: false, maxAge: '00:30:00' }]);
        const watched = harness.emulator.clock.now().toISOString();
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([]);
        harness.emulator.clock.advance({ minutes: 31 });
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([
            { target: 'never', about: 'stale', alertId: `never:stale:${watched}` },
        ]);
        await relay.drain();
        expect(harness.webhook.posts.filter((post) => post.dataset === 'never')).toEqual([
            expect.objectContaining({ kind: 'stale', staleSince: watched, maxAgeSeconds: 1800 }),
        ]);
    });

    it('alerts once when a refresh runs past slowAlertFactor × its usual duration, and "back to normal" when it completes', async () => {
        const datasetId = await harness.createModel('Slow', { durationSeconds: 100 });
        const relay = harness.relay([{ name: 'slow', datasetId, scheduled: false, slowAlertFactor: 3 }]);
        await startRefresh({ target: 'slow', requestedBy: 'manual' }, relay.deps);
        await relay.drain();
        await harness.emulator.setRefreshScript(datasetId, { durationSeconds: 1000 });
        const started = await startRefresh({ target: 'slow', requestedBy: 'manual' }, relay.deps);
        if (started.kind !== 'started') throw new Error(`not started: ${started.kind}`);
        expect(started.record.expectedSeconds).toBe(100);

        harness.emulator.clock.advance({ seconds: 290 });
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([]);
        harness.emulator.clock.advance({ seconds: 20 });
        const slowId = `${started.record.id}:slow`;
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([
            { target: 'slow', about: 'slow', alertId: slowId },
        ]);
        harness.emulator.clock.advance({ minutes: 1 });
        expect((await startScheduledRefreshes(relay.restart())).escalations).toEqual([]);

        await relay.drain();
        const [record] = await relay.deps.history.latest('slow', 1);
        expect(record).toMatchObject({ id: started.record.id, status: 'Completed', durationSeconds: 1000 });
        expect(record!.slowAlertedAt).toBeDefined();
        expect(postsOf('slow')).toEqual([
            { kind: 'slow', alertId: slowId },
            { kind: 'recovery', alertId: `${started.record.id}:Completed` },
        ]);
        expect(harness.webhook.posts.find((post) => post.alertId === slowId)).toMatchObject({
            usualSeconds: 100,
            runningSeconds: 310,
        });
    });

    it('raises no escalation for targets that ask for none', async () => {
        const datasetId = await harness.createModel('Quiet', { durationSeconds: 100 });
        const relay = harness.relay([{ name: 'quiet', datasetId, scheduled: false }]);
        await startRefresh({ target: 'quiet', requestedBy: 'manual' }, relay.deps);
        harness.emulator.clock.advance({ hours: 30 });
        expect((await startScheduledRefreshes(relay.deps)).escalations).toEqual([]);
        await relay.drain();
    });

    // Last: it moves the emulator's clock by a week.
    it('gives an alert up, at error level, when the webhook still refuses it a week after it was raised', async () => {
        const datasetId = await harness.createModel('Webhook gone', { durationSeconds: 30, outcome: 'failure' });
        const relay = harness.relay([{ name: 'webhookGone', datasetId }]);
        harness.webhook.status = 404;
        try {
            await startRefresh({ target: 'webhookGone', requestedBy: 'timer' }, relay.deps);
            await relay.drain();
            const last = relay.deliveries.at(-1)!;
            expect(last).toMatchObject({ kind: 'abandoned', error: 'webhook answered HTTP 404' });
            // 30 s doubling to an hour, then hourly for the rest of the week.
            // Attempts at 0, 30, 90, 210, 450, 930, 1890, 3810 s, then hourly: the 175th is past 7 days.
            expect(relay.deliveries).toHaveLength(175);
            expect(last.kind === 'abandoned' && last.attempts).toBe(175);
            const { log, lines } = collectingLog();
            logAlertDelivery(log, last);
            expect(lines.map((line) => `${line.level} ${line.message}`)).toEqual([
                'error pbi-relay refresh alert abandoned',
            ]);
        } finally {
            harness.webhook.status = 200;
        }
    });
});
