import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduledRefreshes } from '../../src/refresh/startScheduledRefreshes';
import { startRefreshHarness, type RefreshHarness } from './refreshHarness';
import { refreshPosts, startsOf, tickEveryMinute } from './scheduleTicks';

// A file of its own (a process of its own): @azure/identity caches tokens on the real clock, which the
// emulator's jump of months from the spring test would outrun.
describe('per-target schedules in autumn', () => {
    let autumn: RefreshHarness;
    beforeAll(async () => {
        autumn = await startRefreshHarness(new Date('2027-10-30T23:50:00Z'));
    });
    afterAll(async () => {
        await autumn?.stop();
    });

    it('runs a slot of the repeated autumn hour once, and catches up a missed slot once after an outage', async () => {
        const datasetId = await autumn.createModel('Berlin half-hourly', { durationSeconds: 5 });
        const relay = autumn.relay([
            { name: 'halfHourly', datasetId, schedule: '0 */30 * * * *', timeZone: 'Europe/Berlin' },
        ]);
        // Berlin goes from 03:00 CEST back to 02:00 CET on 2027-10-31 at 01:00Z.
        const runs = await tickEveryMinute(autumn, relay, [relay.deps], '2027-10-30T23:50:00Z', '2027-10-31T02:40:00Z');
        expect(startsOf(runs, 'halfHourly')).toEqual([
            'started 2027-10-31T00:00:00.000Z', // 02:00 CEST
            'started 2027-10-31T00:30:00.000Z', // 02:30 CEST
            'started 2027-10-31T02:00:00.000Z', // 03:00 CET; the second 02:00 and 02:30 do not run
            'started 2027-10-31T02:30:00.000Z',
        ]);

        // No tick for two hours (the app was stopped): the latest missed slot runs once, late.
        autumn.emulator.clock.set(new Date('2027-10-31T04:40:00Z'));
        const late = await startScheduledRefreshes(relay.deps);
        expect(late.outcomes).toEqual([
            expect.objectContaining({ kind: 'started', slot: '2027-10-31T04:30:00.000Z', skipped: 3 }),
        ]);
        await relay.drain();
        expect((await startScheduledRefreshes(relay.deps)).outcomes).toEqual([]);
        expect(await refreshPosts(autumn, datasetId)).toHaveLength(5);
    });

    it('expands a partition template at the month end in the target time zone and records it expanded', async () => {
        const partitionsOf = (months: string[]) => months.map((month) => `Sales-${month}`);
        const { id: datasetId } = await autumn.emulator.createModel({
            workspaceId: autumn.workspaceId,
            name: 'Monthly partitions',
            tables: [{ name: 'Sales', partitions: partitionsOf(['2027-09', '2027-10', '2027-11']) }],
            refreshScript: { durationSeconds: 5 },
        });
        const relay = autumn.relay([
            {
                name: 'monthly',
                datasetId,
                // 00:30 on the first of the month in Berlin: 23:30Z on the last day of the month before.
                schedule: '0 30 0 1 * *',
                timeZone: 'Europe/Berlin',
                refresh: { objects: [{ table: 'Sales', partition: 'Sales-{yyyy}-{MM}', lastMonths: 2 }] },
            },
        ]);
        autumn.emulator.clock.set(new Date('2027-10-31T23:30:00Z'));
        const run = await startScheduledRefreshes(relay.deps);
        expect(run.outcomes).toEqual([expect.objectContaining({ kind: 'started', slot: '2027-10-31T23:30:00.000Z' })]);
        await relay.drain();
        const [record] = await relay.deps.history.latest('monthly', 1);
        expect(record).toMatchObject({
            status: 'Completed',
            options: {
                objects: [
                    { table: 'Sales', partition: 'Sales-2027-11' },
                    { table: 'Sales', partition: 'Sales-2027-10' },
                ],
            },
        });
        expect(record?.objects?.map((object) => object.partition)).toEqual(partitionsOf(['2027-11', '2027-10']));
    });
});
