import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evictionMessage } from '../../emulator';
import { logAlertDelivery, logPollOutcome, type RefreshLog } from '../../src/refresh/logRefreshOutcome';
import type { PollMessage } from '../../src/refresh/pollMessage';
import { pollRefresh } from '../../src/refresh/pollRefresh';
import { startRefresh } from '../../src/refresh/startRefresh';
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

describe('enhanced refresh outcomes', () => {
    it('follows a successful refresh by its request id and records Completed with its duration', async () => {
        const datasetId = await harness.createModel('Sales ok', { durationSeconds: 90 });
        const relay = harness.relay([
            { name: 'sales', datasetId, refresh: { type: 'full', objects: [{ table: 'Sales', partition: '2025' }] } },
        ]);

        const started = await startRefresh({ target: 'sales', requestedBy: 'manual' }, relay.deps);
        expect(started.kind).toBe('started');
        if (started.kind !== 'started') return;
        expect(started.record.requestId).toMatch(/^[0-9a-f-]{36}$/);

        const outcomes = await relay.drain();
        const last = outcomes.at(-1);
        expect(last?.kind).toBe('recorded');
        const [record] = await relay.deps.history.latest('sales', 5);
        expect(record).toMatchObject({
            id: started.record.id,
            status: 'Completed',
            extendedStatus: 'Completed',
            trigger: 'manual',
            requestId: started.record.requestId,
            durationSeconds: 90,
            numberOfAttempts: 1,
            options: { type: 'Full', commitMode: 'transactional', objects: [{ table: 'Sales', partition: '2025' }] },
        });
        expect(record!.polls).toBe(outcomes.length);
        expect(record!.objects).toEqual([
            expect.objectContaining({ table: 'Sales', partition: '2025', status: 'Completed' }),
        ]);
        // The service received exactly the configured body.
        const posts = (await harness.emulator.requests()).filter(
            (r) => r.method === 'POST' && r.path.endsWith(`/datasets/${datasetId}/refreshes`),
        );
        expect(posts).toHaveLength(1);
        expect(harness.webhook.posts.filter((post) => post.id === started.record.id)).toEqual([]);
    });

    it('records a failed refresh with its engine messages, logs the alert line and posts to the webhook', async () => {
        const datasetId = await harness.createModel('Sales failing', {
            durationSeconds: 40,
            outcome: 'failure',
            messages: [
                {
                    code: '0xC112000B',
                    message: 'The credentials provided for the SQL source are invalid.',
                    type: 'Error',
                },
            ],
        });
        const relay = harness.relay([{ name: 'failing', datasetId }]);
        const started = await startRefresh({ target: 'failing', requestedBy: 'timer' }, relay.deps);
        expect(started.kind).toBe('started');

        const outcomes = await relay.drain();
        const recorded = outcomes.at(-1)!;
        expect(recorded).toMatchObject({
            kind: 'recorded',
            record: { status: 'Failed', extendedStatus: 'Failed' },
            notification: { alertId: `${recorded.kind === 'recorded' ? recorded.record.id : ''}:Failed` },
        });
        const { log, lines } = collectingLog();
        logPollOutcome(log, recorded);
        expect(lines).toEqual([
            expect.objectContaining({
                level: 'error',
                message: expect.stringMatching(/^pbi-relay refresh failed dataset=failing status=Failed /),
                fields: expect.objectContaining({ dataset: 'failing', status: 'Failed' }),
            }),
        ]);
        const [record] = await relay.deps.history.latest('failing', 1);
        expect(record!.messages).toEqual([expect.objectContaining({ code: '0xC112000B', type: 'Error' })]);
        const posted = harness.webhook.posts.filter((post) => post.dataset === 'failing');
        expect(posted).toHaveLength(1);
        expect(posted[0]).toMatchObject({ status: 'Failed', durationSeconds: 40 });
        expect(posted[0]!.errors).toContain('0xC112000B: The credentials provided for the SQL source are invalid.');
        expect(posted[0]!.text).toContain('The credentials provided for the SQL source are invalid.');
    });

    it('records Completed when failing attempts are retried within retryCount', async () => {
        const datasetId = await harness.createModel('Sales flaky', { durationSeconds: 30, failedAttempts: 2 });
        const relay = harness.relay([{ name: 'flaky', datasetId, refresh: { retryCount: 2 } }]);
        await startRefresh({ target: 'flaky', requestedBy: 'timer' }, relay.deps);
        await relay.drain();
        const [record] = await relay.deps.history.latest('flaky', 1);
        expect(record).toMatchObject({ status: 'Completed', numberOfAttempts: 3, durationSeconds: 90 });
        expect(record!.refreshAttempts).toHaveLength(3);
    });

    it('records the eviction error 0xC11C0020 when it outlasts retryCount', async () => {
        const datasetId = await harness.createModel('Sales evicted', { durationSeconds: 20, failedAttempts: 5 });
        const relay = harness.relay([{ name: 'evicted', datasetId, refresh: { retryCount: 1 } }]);
        await startRefresh({ target: 'evicted', requestedBy: 'timer' }, relay.deps);
        await relay.drain();
        const [record] = await relay.deps.history.latest('evicted', 1);
        expect(record).toMatchObject({ status: 'Failed', numberOfAttempts: 2 });
        expect(record!.messages).toContainEqual(expect.objectContaining({ code: evictionMessage.code }));
        expect(harness.webhook.posts.find((post) => post.dataset === 'evicted')?.errors).toContainEqual(
            expect.stringContaining('0xC11C0020'),
        );
    });

    it('cancels a refresh that runs past its deadline and records TimedOut', async () => {
        const datasetId = await harness.createModel('Sales slow', { durationSeconds: 3 * 3600 });
        const relay = harness.relay([{ name: 'slow', datasetId, deadline: '01:00:00' }]);
        const started = await startRefresh({ target: 'slow', requestedBy: 'timer' }, relay.deps);
        const outcomes = await relay.drain();
        expect(outcomes.at(-1)).toMatchObject({
            kind: 'recorded',
            record: { status: 'TimedOut', error: { code: 'DeadlineReached' } },
        });
        const cancels = (await harness.emulator.requests()).filter((r) => r.method === 'DELETE');
        expect(cancels.map((r) => r.path)).toEqual([
            expect.stringContaining(started.kind === 'started' ? started.record.requestId! : 'x'),
        ]);
        // The relay acted at the deadline, not a back-off step later.
        const record = (await relay.deps.history.latest('slow', 1))[0]!;
        expect(Date.parse(record.endTime!)).toBe(Date.parse(record.deadline));
        const detail = await relay.deps.api.getRefreshDetail(
            { workspaceId: harness.workspaceId, datasetId },
            record.requestId!,
        );
        expect(detail.ok && detail.value.detail.extendedStatus).toBe('Cancelled');
    });

    it('records a refresh the service timed out (attempt timeout) as TimedOut', async () => {
        const datasetId = await harness.createModel('Sales attempt timeout', { outcome: 'timeout' });
        const relay = harness.relay([{ name: 'attemptTimeout', datasetId, refresh: { timeout: '00:10:00' } }]);
        await startRefresh({ target: 'attemptTimeout', requestedBy: 'timer' }, relay.deps);
        await relay.drain();
        const [record] = await relay.deps.history.latest('attemptTimeout', 1);
        expect(record).toMatchObject({
            status: 'TimedOut',
            serviceStatus: 'Failed',
            extendedStatus: 'TimedOut',
            durationSeconds: 600,
        });
    });

    it('records a request the service accepted but never ran as Dropped, and restarts it once when asked', async () => {
        const datasetId = await harness.createModel('Sales dropped', { durationSeconds: 60 });
        await harness.emulator.queueRefreshScript(datasetId, { dropped: true, durationSeconds: 60 });
        const relay = harness.relay([{ name: 'dropped', datasetId, restartWhenDropped: true }], {
            REFRESH_DROP_GRACE_SECONDS: '300',
        });
        const started = await startRefresh({ target: 'dropped', requestedBy: 'timer' }, relay.deps);
        expect(started.kind).toBe('started');
        const outcomes = await relay.drain();
        const dropped = outcomes.find((o) => o.kind === 'recorded' && o.record.status === 'Dropped');
        expect(dropped).toMatchObject({ record: { error: { code: 'RefreshDropped' } }, restartQueued: true });
        // The restart is a queue message of its own, handled once.
        expect(relay.restarts).toMatchObject([{ kind: 'restarted', start: { kind: 'started' } }]);
        const history = await relay.deps.history.latest('dropped', 5);
        expect(history.map((r) => r.status)).toEqual(['Completed', 'Dropped']);
        expect(history[0]!.restartOf).toBe(history[1]!.id);
        expect(history[1]!.restartedAs).toBe(history[0]!.id);
        // Not before the grace period: the request was given 300 s to appear.
        expect(Date.parse(history[1]!.endTime!) - Date.parse(history[1]!.requestedAt)).toBeGreaterThanOrEqual(300_000);
        // The drop alerts; its restart completing is the "back to normal".
        expect(
            harness.webhook.posts
                .filter((post) => post.dataset === 'dropped')
                .map((post) => `${post.kind} ${post.status}`),
        ).toEqual(['outcome Dropped', 'recovery Completed']);
    });

    it('queues the restart of a drop again when the check that recorded it is delivered again', async () => {
        const datasetId = await harness.createModel('Sales dropped twice', { durationSeconds: 60 });
        await harness.emulator.queueRefreshScript(datasetId, { dropped: true, durationSeconds: 60 });
        const relay = harness.relay([{ name: 'droppedTwice', datasetId, restartWhenDropped: true }], {
            REFRESH_DROP_GRACE_SECONDS: '300',
        });
        await startRefresh({ target: 'droppedTwice', requestedBy: 'timer' }, relay.deps);
        // Follow the checks to the one that records the drop, then lose its restart, as a crash right after would.
        let recordedBy: PollMessage | undefined;
        while (recordedBy === undefined) {
            const check = (await relay.receiveCheck())!;
            const outcome = await pollRefresh(check.message, relay.deps);
            await check.delete();
            if (outcome.kind === 'recorded') recordedBy = check.message;
        }
        await relay.queue.clearMessages();
        // The host delivers the check again: the drop stays recorded once, and its restart is queued again.
        expect(await pollRefresh(recordedBy, relay.deps)).toMatchObject({
            kind: 'stale',
            reason: 'already recorded Dropped; its restart is queued again',
        });
        await relay.drain();
        expect(relay.restarts).toMatchObject([{ kind: 'restarted', start: { kind: 'started' } }]);
        expect(await pollRefresh(recordedBy, relay.deps)).toMatchObject({
            kind: 'stale',
            reason: 'already recorded Dropped',
        });
        const history = await relay.deps.history.latest('droppedTwice', 5);
        expect(history.map((r) => `${r.status} ${r.restartOf ?? r.restartedAs}`)).toEqual([
            `Completed ${history[1]!.id}`,
            `Dropped ${history[0]!.id}`,
        ]);
    });

    it('retries a failing webhook with back-off until it takes the alert, always with the same alert id', async () => {
        const datasetId = await harness.createModel('Webhook down', { durationSeconds: 30, outcome: 'failure' });
        const relay = harness.relay([{ name: 'webhookDown', datasetId }]);
        harness.webhook.failNext = 3;
        await startRefresh({ target: 'webhookDown', requestedBy: 'timer' }, relay.deps);
        const outcome = (await relay.drain()).at(-1)!;
        expect(outcome).toMatchObject({ kind: 'recorded', record: { status: 'Failed' } });
        const recordedAt = Date.parse(outcome.kind === 'recorded' ? outcome.record.recordedAt! : '');
        // drain delivered the alert on the way: three 503s, then the receiver took it.
        expect(relay.deliveries.map((delivery) => delivery.kind)).toEqual([
            'retrying',
            'retrying',
            'retrying',
            'delivered',
        ]);
        expect(relay.deliveries.map((delivery) => ('delaySeconds' in delivery ? delivery.delaySeconds : 0))).toEqual([
            30, 60, 120, 0,
        ]);
        const posted = harness.webhook.posts.filter((post) => post.dataset === 'webhookDown');
        expect(posted).toHaveLength(4);
        expect(new Set(posted.map((post) => post.alertId))).toEqual(
            new Set([`${outcome.kind === 'recorded' ? outcome.record.id : ''}:Failed`]),
        );
        // The last post went out 30 + 60 + 120 s (the relay's clock) after the outcome was recorded.
        expect(harness.emulator.clock.now().getTime() - recordedAt).toBe(210_000);
        const { log, lines } = collectingLog();
        logAlertDelivery(log, relay.deliveries[0]!);
        expect(lines).toEqual([
            expect.objectContaining({
                level: 'warn',
                message: 'pbi-relay refresh alert delivery failed',
                fields: expect.objectContaining({
                    attempts: 1,
                    nextAttemptSeconds: 30,
                    error: 'webhook answered HTTP 503',
                }),
            }),
        ]);
    });

    it('follows a first refresh within 10 % of its length, and checks a routine one just after its usual end', async () => {
        const datasetId = await harness.createModel('Routine', { durationSeconds: 1000 });
        const relay = harness.relay([{ name: 'routine', datasetId }]);
        const run = async () => {
            await startRefresh({ target: 'routine', requestedBy: 'timer' }, relay.deps);
            await relay.drain();
            return (await relay.deps.history.latest('routine', 1))[0]!;
        };
        const first = await run();
        // Without history: 10, 30, 70 s, then every minute, then a tenth of the time run: seen within 10 %.
        expect(first.expectedSeconds).toBeUndefined();
        expect(Date.parse(first.recordedAt!) - Date.parse(first.endTime!)).toBeLessThanOrEqual(100_000);
        const second = await run();
        expect(second.expectedSeconds).toBe(1000);
        expect(Date.parse(second.recordedAt!) - Date.parse(second.endTime!)).toBe(2_000);
        // Checks at 10, 30, 70, 150, 310, 610, 910 s and just after the usual end (1002 s).
        expect(second.polls).toBe(8);
        expect(first.polls).toBeGreaterThan(second.polls);
    });

    it('sends "back to normal" once, for the first completed refresh after a failure', async () => {
        const datasetId = await harness.createModel('Recovering', { durationSeconds: 30, outcome: 'failure' });
        const relay = harness.relay([{ name: 'recovering', datasetId }]);
        const run = async () => {
            await startRefresh({ target: 'recovering', requestedBy: 'manual' }, relay.deps);
            await relay.drain();
        };
        await run();
        await harness.emulator.setRefreshScript(datasetId, { durationSeconds: 30 });
        await run();
        await run();
        const posted = harness.webhook.posts.filter((post) => post.dataset === 'recovering');
        const history = await relay.deps.history.latest('recovering', 3);
        const failed = history[2]!;
        const completed = history[1]!;
        expect(posted).toEqual([
            expect.objectContaining({ kind: 'outcome', status: 'Failed', alertId: `${failed.id}:Failed` }),
            expect.objectContaining({
                kind: 'recovery',
                status: 'Completed',
                alertId: `${completed.id}:Completed`,
                recoveredFrom: { id: failed.id, status: 'Failed' },
                text: expect.stringMatching(/^Power BI refresh of recovering is back to normal: Completed after 30s/),
            }),
        ]);
    });
});
