import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { readTableCounters } from '../../src/status/readTableCounters';
import { createStatusCounters } from '../../src/status/statusCounters';
import { minuteMs, toCounterPartition, toMinuteRowKey } from '../../src/status/statusCounterKeys';

let azurite: RunningAzurite;
beforeAll(async () => {
    azurite = await startAzurite();
});
afterAll(async () => {
    await azurite?.stop();
});

let tables = 0;
const newTable = () =>
    TableClient.fromConnectionString(azurite.connectionString, `status${Date.now()}x${++tables}`, {
        allowInsecureConnection: true,
    });

/** A frozen instant in the middle of a minute, moved by the tests. */
const start = Date.parse('2026-12-02T10:00:30Z');

describe('status counters in Table storage', () => {
    it('adds up what several instances count at once, per minute and in the running total', async () => {
        const table = newTable();
        let nowMs = start;
        const instances = Array.from({ length: 4 }, () =>
            createStatusCounters(table, { flushMs: 60_000, now: () => nowMs }),
        );
        for (const [k, counters] of instances.entries()) {
            for (let i = 0; i < 25; i++) counters.count('Sales/EU', 'Orders #1', { accepted: 2 });
            counters.count('Sales/EU', 'Orders #1', { pushed: 10 * (k + 1) });
        }
        // All four write the same two entities at the same time: the ETag makes each retry, none loses a count.
        await Promise.all(instances.map((counters) => counters.flush()));
        nowMs += minuteMs;
        instances[0]!.count(
            'Sales/EU',
            'Orders #1',
            { accepted: 5, poisoned: 1, throttled: 1 },
            {
                lastError: { at: new Date(nowMs).toISOString(), status: 400, code: 'BadRequest', message: 'column X' },
                datasetId: 'ds-1',
            },
        );
        await instances[0]!.flush();

        const read = await readTableCounters(table, 'Sales/EU', 'Orders #1', nowMs);
        expect(read.total).toEqual({ accepted: 205, replayed: 0, pushed: 100, poisoned: 1, throttled: 1 });
        expect(read.minutes).toHaveLength(60);
        expect(read.minutes.at(-2)!.counts).toMatchObject({ accepted: 200, pushed: 100 });
        expect(read.minutes.at(-1)!.counts).toMatchObject({ accepted: 5, poisoned: 1, throttled: 1 });
        expect(read.lastError).toEqual({
            at: new Date(nowMs).toISOString(),
            status: 400,
            code: 'BadRequest',
            message: 'column X',
        });
        expect(read.datasetId).toBe('ds-1');
    });

    it('keeps counts a failed write could not store for the next flush', async () => {
        let failing = true;
        // A Storage outage: every request fails until the test ends it.
        const table = TableClient.fromConnectionString(azurite.connectionString, `status${Date.now()}y`, {
            allowInsecureConnection: true,
            additionalPolicies: [
                {
                    position: 'perCall',
                    policy: {
                        name: 'outage',
                        sendRequest: (request, next) =>
                            failing ? Promise.reject(new Error('Storage is down')) : next(request),
                    },
                },
            ],
        });
        const counters = createStatusCounters(table, { flushMs: 60_000, now: () => start });
        counters.count('Sales', 'Orders', { accepted: 3 });
        await expect(counters.flush()).rejects.toThrow('Storage is down');
        failing = false;
        counters.count('Sales', 'Orders', { accepted: 4 });
        await counters.flush();
        expect((await readTableCounters(table, 'Sales', 'Orders', start)).total.accepted).toBe(7);
    });

    it('reads only the last hour and deletes buckets older than two hours as it writes', async () => {
        const table = newTable();
        let nowMs = start - 3 * 60 * minuteMs;
        const counters = createStatusCounters(table, { flushMs: 60_000, now: () => nowMs });
        for (let minute = 0; minute < 180; minute += 30) {
            counters.count('Sales', 'Orders', { accepted: 1 });
            await counters.flush();
            nowMs += 30 * minuteMs;
        }
        nowMs = start;
        counters.count('Sales', 'Orders', { accepted: 1 });
        await counters.flush();
        const keys: string[] = [];
        for await (const entity of table.listEntities({ queryOptions: { select: ['RowKey'] } }))
            keys.push(entity.rowKey!);
        // Written at -3 h, -2.5 h, ... -0.5 h and now; the purges at -0.5 h and now removed those before -2 h.
        const kept = [-120, -90, -60, -30, 0].map((minutes) => toMinuteRowKey(start - 30_000 + minutes * minuteMs));
        expect(keys).toEqual([...kept, 'total']);
        const read = await readTableCounters(table, 'Sales', 'Orders', nowMs);
        expect(read.total.accepted).toBe(7);
        expect(read.minutes.reduce((sum, m) => sum + m.counts.accepted, 0)).toBe(2);
        expect(toCounterPartition('a~b', 'c')).not.toBe(toCounterPartition('a', 'b~c'));
    });
});
