import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { useAzurite } from '../support/useAzurite';
import { newDeliveryReport, type DeliveryReport } from '../../src/push/deliverRows';
import type { RowsMessage } from '../../src/queue/rowsMessage';
import { countDelivery } from '../../src/status/countDelivery';
import { countEventhouseDelivery } from '../../src/status/countEventhouseDelivery';
import { readTableCounters } from '../../src/status/readTableCounters';
import { createStatusCounters, type CounterName } from '../../src/status/statusCounters';
import { minuteMs, toCounterPartition, toMinuteRowKey } from '../../src/status/statusCounterKeys';

const azurite = useAzurite();

let tables = 0;
const newTable = () =>
    TableClient.fromConnectionString(azurite.current.connectionString, `status${Date.now()}x${++tables}`, {
        allowInsecureConnection: true,
    });

/** A frozen instant in the middle of a minute, moved by the tests. */
const start = Date.parse('2026-12-02T10:00:30Z');

const noUnknownOutcomes = {
    storedParts: 0,
    storedRows: 0,
    notStoredParts: 0,
    notStoredRows: 0,
    unconfirmedParts: 0,
    unconfirmedRows: 0,
};

const noEventhouse = { eventhouseIngested: 0, eventhousePoisoned: 0, eventhouseReplayed: 0, eventhouseThrottled: 0 };

const message: RowsMessage = {
    version: 1,
    ingestionId: 'i-1',
    dataset: 'Sales',
    table: 'Orders',
    rowCount: 3,
    receivedAt: new Date(start).toISOString(),
    rows: [{ id: 1 }, { id: 2 }, { id: 3 }],
    part: 0,
    attempt: 0,
};

const report = (changes: Partial<DeliveryReport>): DeliveryReport => ({ ...newDeliveryReport(), ...changes });

describe('status counters in Table storage', () => {
    it('counts the parts of calls whose answer never came, and their rows, by verdict', async () => {
        const table = newTable();
        let nowMs = start;
        const counters = createStatusCounters(table, { flushMs: 60_000, now: () => nowMs });
        // A call found stored by its marker (nothing pushed again), one found missing and pushed again.
        countDelivery(
            counters,
            message,
            report({
                calls: 1,
                rowsPushed: 3,
                verifiedParts: 2,
                unknownOutcomes: { stored: { parts: 1, rows: 10_000 }, notStored: { parts: 1, rows: 3 } },
            }),
            new Date(nowMs),
        );
        await counters.flush();
        nowMs += 90 * minuteMs;
        // Two parts settled by the table's policy, 90 minutes later: only they are in the last hour.
        countDelivery(
            counters,
            message,
            report({ unconfirmedParts: 2, unknownOutcomes: { unconfirmed: { parts: 2, rows: 7 } } }),
            new Date(nowMs),
        );
        await counters.flush();
        const read = await readTableCounters(table, 'Sales', 'Orders', nowMs);
        expect(read.total).toMatchObject({
            pushed: 3,
            storedParts: 1,
            storedRows: 10_000,
            notStoredParts: 1,
            notStoredRows: 3,
            unconfirmedParts: 2,
            unconfirmedRows: 7,
        });
        const lastHour = Object.fromEntries(
            Object.keys(noUnknownOutcomes).map((name) => [
                name,
                read.minutes.reduce((sum, m) => sum + m.counts[name as CounterName], 0),
            ]),
        );
        expect(lastHour).toEqual({ ...noUnknownOutcomes, unconfirmedParts: 2, unconfirmedRows: 7 });
    });

    it("counts the Eventhouse sink's rows ingested and poisoned and its 429s apart from the push's", async () => {
        const table = newTable();
        const counters = createStatusCounters(table, { flushMs: 60_000, now: () => start });
        const eventhouseReport = { calls: 1, rowsIngested: 0, skippedParts: 0, unknownOutcomes: 0, poisonedRows: 0 };
        const at = new Date(start);
        countEventhouseDelivery(counters, message, { ...eventhouseReport, rowsIngested: 2 }, at);
        countEventhouseDelivery(
            counters,
            message,
            {
                ...eventhouseReport,
                rescheduled: { reason: 'throttled', delaySeconds: 5, attempt: 1 },
                lastFailure: { kind: 'throttled', status: 429, retryAfterSeconds: 5, message: 'Throttled' },
            },
            at,
        );
        const poisoned = { status: 400, code: 'BadRequest_InvalidData', message: 'Bad row', at: at.toISOString() };
        countEventhouseDelivery(counters, message, { ...eventhouseReport, poisonedRows: 1, poisoned }, at);
        await counters.flush();
        const read = await readTableCounters(table, 'Sales', 'Orders', start);
        expect(read.total).toMatchObject({
            eventhouseIngested: 2,
            eventhousePoisoned: 1,
            eventhouseThrottled: 1,
            pushed: 0,
            poisoned: 0,
            throttled: 0,
        });
        // The poison reason, later than the 429 (same instant: the last counted wins); the push's lastError stays unset.
        expect(read.eventhouseLastError).toEqual({
            at: at.toISOString(),
            status: 400,
            code: 'BadRequest_InvalidData',
            message: 'Bad row',
        });
        expect(read.lastError).toBeUndefined();
    });

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
        expect(read.total).toEqual({
            ...noUnknownOutcomes,
            ...noEventhouse,
            accepted: 205,
            replayed: 0,
            pushed: 100,
            poisoned: 1,
            throttled: 1,
        });
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
        const table = TableClient.fromConnectionString(azurite.current.connectionString, `status${Date.now()}y`, {
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

    it('gives up a flush when its abort signal fires (shutdown) and keeps the counts for the next', async () => {
        let hanging = false;
        // Storage that never answers: each try waits until its request is aborted.
        const table = TableClient.fromConnectionString(azurite.current.connectionString, `status${Date.now()}z`, {
            allowInsecureConnection: true,
            additionalPolicies: [
                {
                    position: 'perRetry',
                    policy: {
                        name: 'hang',
                        sendRequest: (request, next) =>
                            hanging
                                ? new Promise((_, reject) =>
                                      request.abortSignal?.addEventListener('abort', () =>
                                          reject(new Error('aborted')),
                                      ),
                                  )
                                : next(request),
                    },
                },
            ],
        });
        const counters = createStatusCounters(table, { flushMs: 60_000, now: () => start });
        counters.count('Sales', 'Orders', { accepted: 3 });
        await counters.flush();
        hanging = true;
        counters.count('Sales', 'Orders', { accepted: 4 });
        // Without the signal this flush would never end.
        await expect(counters.flush({ abortSignal: AbortSignal.timeout(200) })).rejects.toThrow();
        hanging = false;
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
