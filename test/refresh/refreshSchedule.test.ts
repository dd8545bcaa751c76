import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduledRefreshes } from '../../src/refresh/startScheduledRefreshes';
import { startRefreshHarness, type RefreshHarness } from './refreshHarness';
import { refreshPosts, startsOf, tickEveryMinute } from './scheduleTicks';

let harness: RefreshHarness;
beforeAll(async () => {
    harness = await startRefreshHarness(new Date('2027-03-27T23:00:00Z'));
});
afterAll(async () => {
    await harness?.stop();
});

describe('per-target schedules', () => {
    it('two targets in different zones start exactly on their slots across the spring DST change, once each', async () => {
        const berlinModel = await harness.createModel('Berlin finance', { durationSeconds: 5 });
        const kolkataModel = await harness.createModel('Kolkata sales', { durationSeconds: 5 });
        const relay = harness.relay([
            // 02:30 does not exist in Berlin on 2027-03-28: it runs at 03:00 CEST (01:00Z).
            { name: 'berlin', datasetId: berlinModel, schedule: '0 30 2 * * *', timeZone: 'Europe/Berlin' },
            // Hourly on the Indian wall clock (UTC+05:30): at half past every UTC hour.
            { name: 'kolkata', datasetId: kolkataModel, schedule: '0 0 * * * *', timeZone: 'Asia/Kolkata' },
            { name: 'manualOnly', datasetId: kolkataModel, scheduled: false },
        ]);
        const instances = [relay.deps, relay.restart()];
        const runs = await tickEveryMinute(harness, relay, instances, '2027-03-28T00:00:00Z', '2027-03-28T02:45:00Z');

        expect(startsOf(runs, 'berlin')).toEqual(['started 2027-03-28T01:00:00.000Z']);
        expect(startsOf(runs, 'kolkata')).toEqual([
            'started 2027-03-28T00:30:00.000Z',
            'started 2027-03-28T01:30:00.000Z',
            'started 2027-03-28T02:30:00.000Z',
        ]);
        expect(startsOf(runs, 'manualOnly')).toEqual([]);
        // The other instance left each slot alone: it found it claimed, or already the latest.
        const started = runs.flatMap((run) => run.outcomes).map((outcome) => `${outcome.target} ${outcome.slot}`);
        for (const claim of runs.flatMap((run) => run.claimedElsewhere))
            expect(started).toContain(`${claim.target} ${claim.slot}`);
        expect(await refreshPosts(harness, berlinModel)).toHaveLength(1);
        expect(await refreshPosts(harness, kolkataModel)).toHaveLength(3);
        const [berlin] = await relay.deps.history.latest('berlin', 5);
        expect(berlin).toMatchObject({
            status: 'Completed',
            trigger: 'timer',
            slot: '2027-03-28T01:00:00.000Z',
            requestedAt: '2027-03-28T01:00:00.000Z',
        });
        expect((await relay.deps.history.latest('kolkata', 5)).map((r) => r.requestedAt)).toEqual([
            '2027-03-28T02:30:00.000Z',
            '2027-03-28T01:30:00.000Z',
            '2027-03-28T00:30:00.000Z',
        ]);

        // A restarted relay in the same minute does not start the slot again.
        const restarted = relay.restart();
        expect((await startScheduledRefreshes(restarted)).outcomes).toEqual([]);
        expect(await refreshPosts(harness, kolkataModel)).toHaveLength(3);
    });
});
