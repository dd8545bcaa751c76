import type { TableClient } from '@azure/data-tables';
import type { QueueServiceClient } from '@azure/storage-queue';
import { hasEventhouseSink, type RelayConfig } from '../config/relayConfig';
import { eventhouseNames } from '../eventhouse/kustoTableSchema';
import type { PushLimits } from '../push/pushBudget';
import type { RefreshDeps } from '../refresh/refreshDeps';
import { peekPoisonQueue, peekRowsQueue, toTableKey, type RowsQueuePeek } from './peekRowsQueues';
import { readPushBudget } from './readPushBudget';
import { readRefreshTargets } from './readRefreshTargets';
import { readTableCounters, type Counts } from './readTableCounters';
import { minuteMs } from './statusCounterKeys';
import type { CountedError } from './statusCounters';
import type { DatasetStatus, StatusReport, TableStatus } from './statusSchema';

export interface StatusDeps {
    config: RelayConfig;
    /** STATUS_TABLE: the counters. */
    countersTable: TableClient;
    /** PUSH_GOVERNOR_TABLE: each dataset's Add Rows budget. */
    governorTable: TableClient;
    queueService: QueueServiceClient;
    rowsQueue: string;
    poisonQueue: string;
    /** EVENTHOUSE_QUEUE and its poison queue, peeked when a dataset writes to the Eventhouse. */
    eventhouseQueue: string;
    eventhousePoisonQueue: string;
    limits: Omit<PushLimits, 'pendingLeaseMs'>;
    refresh: Pick<RefreshDeps, 'targets' | 'defaultSchedule' | 'history' | 'now'>;
    now: () => Date;
}

const sum = (counts: Counts[], name: keyof Counts) => counts.reduce((total, c) => total + c[name], 0);
const toUnknownOutcomes = (read: (name: keyof Counts) => number): TableStatus['unknownOutcomes']['total'] => ({
    stored: { parts: read('storedParts'), rows: read('storedRows') },
    notStored: { parts: read('notStoredParts'), rows: read('notStoredRows') },
    unconfirmed: { parts: read('unconfirmedParts'), rows: read('unconfirmedRows') },
});
const secondsSince = (date: Date | undefined, nowMs: number) =>
    date === undefined ? undefined : Math.max(0, (nowMs - date.getTime()) / 1000);

/** A count in the last 60 s and in the last hour. */
type Windowed = (name: keyof Counts) => { lastMinute: number; lastHour: number };

/** A table's messages among those peeked in one queue: how many, and how old the oldest is. */
function toQueuedStatus(
    peek: RowsQueuePeek,
    dataset: string,
    table: string,
    nowMs: number,
): { oldestQueuedSeconds?: number; queuedMessagesPeeked: number } {
    const queued = peek.byTable.get(toTableKey(dataset, table));
    const oldest = secondsSince(queued?.oldestInsertedOn, nowMs);
    return {
        ...(oldest !== undefined ? { oldestQueuedSeconds: oldest } : {}),
        queuedMessagesPeeked: queued?.messages ?? 0,
    };
}

/** A queue as the report shows it: its name, approximate length, the age of its oldest visible message, and how many were peeked. */
function toQueueStatus(name: string, peek: RowsQueuePeek, nowMs: number): StatusReport['queue'] {
    const oldestVisible = secondsSince(peek.oldestInsertedOn, nowMs);
    return {
        name,
        approximateMessages: peek.approximateMessages,
        ...(oldestVisible !== undefined ? { oldestVisibleSeconds: oldestVisible } : {}),
        peeked: peek.peeked,
    };
}

/** The Eventhouse sink's side of a table: its counters, and its messages among those peeked in EVENTHOUSE_QUEUE. */
function toEventhouseStatus(
    names: { table: string; view: string },
    counts: { windowed: Windowed; sumOfHour: (name: keyof Counts) => number; total: Counts },
    lastError: CountedError | undefined,
    queued: ReturnType<typeof toQueuedStatus>,
): NonNullable<TableStatus['eventhouse']> {
    const { windowed, total } = counts;
    return {
        table: names.table,
        view: names.view,
        ingested: windowed('eventhouseIngested'),
        poisoned: windowed('eventhousePoisoned'),
        throttledLastHour: counts.sumOfHour('eventhouseThrottled'),
        backlogRows: Math.max(
            0,
            total.accepted + total.eventhouseReplayed - total.eventhouseIngested - total.eventhousePoisoned,
        ),
        ...queued,
        ...(lastError ? { lastError } : {}),
    };
}

/**
 * Everything the status page shows, from Storage only, at a cost bounded by the config: per table one range read
 * of at most 61 counter entities, per dataset one point read of its budget, one peek of at most 32 messages in
 * each of the rows and poison queues (and the Eventhouse sink's two, when a dataset writes to it), and per refresh
 * target one read of its last 20 refreshes.
 */
export async function readStatus(deps: StatusDeps): Promise<StatusReport> {
    const now = deps.now();
    const nowMs = now.getTime();
    const withEventhouse = hasEventhouseSink(deps.config);
    const [queue, poison, eventhouseQueue, eventhousePoison, refreshTargets, datasets] = await Promise.all([
        peekRowsQueue(deps.queueService, deps.rowsQueue),
        peekPoisonQueue(deps.queueService, deps.poisonQueue),
        withEventhouse ? peekRowsQueue(deps.queueService, deps.eventhouseQueue) : undefined,
        withEventhouse ? peekPoisonQueue(deps.queueService, deps.eventhousePoisonQueue) : undefined,
        readRefreshTargets(deps.refresh),
        Promise.all(
            deps.config.datasets.map(async (dataset) => ({
                dataset,
                tables: await Promise.all(
                    dataset.tables.map(async (table) => ({
                        table,
                        counters: await readTableCounters(deps.countersTable, dataset.name, table.name, nowMs),
                    })),
                ),
            })),
        ),
    ]);
    const datasetStatuses = await Promise.all(
        datasets.map(async ({ dataset, tables }): Promise<DatasetStatus> => {
            const datasetId = tables.find((t) => t.counters.datasetId !== undefined)?.counters.datasetId;
            const budget = datasetId ? await readPushBudget(deps.governorTable, datasetId, nowMs) : undefined;
            const fifo = dataset.defaultRetentionPolicy === 'basicFIFO';
            const toPowerBi = dataset.sinks.includes('powerBi');
            return {
                name: dataset.name,
                sinks: dataset.sinks,
                ...(datasetId ? { datasetId } : {}),
                ...(budget
                    ? {
                          budget: {
                              callsLastMinute: { used: budget.recentCalls.length, limit: deps.limits.callsPerMinute },
                              rowsLastHour: {
                                  used: budget.hourBuckets.reduce((total, [, , rows]) => total + rows, 0),
                                  limit: deps.limits.rowsPerHour,
                              },
                              pendingCalls: { used: budget.pending.length, limit: deps.limits.pendingCalls },
                              callsLastHour: {
                                  used: budget.hourBuckets.reduce((total, [, calls]) => total + calls, 0),
                                  limit: deps.limits.callsPerHourPastCliff,
                              },
                              ...(budget.throttledUntilMs > nowMs
                                  ? { throttledUntil: new Date(budget.throttledUntilMs).toISOString() }
                                  : {}),
                          },
                      }
                    : {}),
                tables: tables.map(({ table, counters }): TableStatus => {
                    const all = counters.minutes.map((m) => m.counts);
                    // The last 60 s: this minute so far, and the part of the minute before that lies within them.
                    const inLastMinute = (name: keyof Counts) =>
                        Math.round(
                            (all.at(-1)?.[name] ?? 0) + (all.at(-2)?.[name] ?? 0) * (1 - (nowMs % minuteMs) / minuteMs),
                        );
                    const sumOfHour = (name: keyof Counts) => sum(all, name);
                    const windowed: Windowed = (name) => ({
                        lastMinute: inLastMinute(name),
                        lastHour: sumOfHour(name),
                    });
                    const { total } = counters;
                    const rows = budget?.tableRows[table.name] ?? table.existingRows ?? 0;
                    return {
                        name: table.name,
                        accepted: windowed('accepted'),
                        pushed: windowed('pushed'),
                        poisoned: windowed('poisoned'),
                        throttledLastHour: sumOfHour('throttled'),
                        backlogRows: toPowerBi
                            ? Math.max(0, total.accepted + total.replayed - total.pushed - total.poisoned)
                            : 0,
                        ...toQueuedStatus(queue, dataset.name, table.name, nowMs),
                        tableRows: {
                            used: rows,
                            limit: deps.limits.cliffTableRows,
                            pastCliff: !fifo && rows >= deps.limits.cliffTableRows,
                            fifo,
                        },
                        perMinute: counters.minutes.map(({ minute, counts }) => ({
                            minute: new Date(minute).toISOString(),
                            accepted: counts.accepted,
                            pushed: counts.pushed,
                        })),
                        unknownOutcomes: {
                            ambiguousOutcome: table.ambiguousOutcome,
                            ...(table.markerColumn !== undefined ? { markerColumn: table.markerColumn } : {}),
                            lastHour: toUnknownOutcomes(sumOfHour),
                            total: toUnknownOutcomes((name) => total[name]),
                        },
                        ...(counters.lastError ? { lastError: counters.lastError } : {}),
                        ...(dataset.sinks.includes('eventhouse') && eventhouseQueue
                            ? {
                                  eventhouse: toEventhouseStatus(
                                      eventhouseNames(dataset, table.name),
                                      { windowed, sumOfHour, total },
                                      counters.eventhouseLastError,
                                      toQueuedStatus(eventhouseQueue, dataset.name, table.name, nowMs),
                                  ),
                              }
                            : {}),
                    };
                }),
            };
        }),
    );
    return {
        generatedAt: now.toISOString(),
        queue: toQueueStatus(deps.rowsQueue, queue, nowMs),
        poison: { name: deps.poisonQueue, ...poison },
        ...(eventhouseQueue && eventhousePoison
            ? {
                  eventhouse: {
                      queue: toQueueStatus(deps.eventhouseQueue, eventhouseQueue, nowMs),
                      poison: { name: deps.eventhousePoisonQueue, ...eventhousePoison },
                  },
              }
            : {}),
        datasets: datasetStatuses,
        refreshTargets,
    };
}
