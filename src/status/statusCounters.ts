import { odata, type TableClient } from '@azure/data-tables';
import { ensureOnce } from '../storage/ensureOnce';
import { isStorageStatus } from '../storage/isStorageStatus';
import { bucketRetentionMs, minuteOf, toCounterPartition, toMinuteRowKey, totalRowKey } from './statusCounterKeys';

/**
 * What happened to a table's rows (and its 429s), counted per minute and in a running total; and the parts of Add
 * Rows calls whose answer never came, with their rows, by how each was settled (settleUnknownCall). The
 * `eventhouse*` counters are the Eventhouse sink's own (rows ingested, poisoned, replayed, 429s), for datasets that
 * write to it; `accepted` is shared by both sinks.
 */
export const counterNames = [
    'accepted',
    'replayed',
    'pushed',
    'poisoned',
    'throttled',
    'storedParts',
    'storedRows',
    'notStoredParts',
    'notStoredRows',
    'unconfirmedParts',
    'unconfirmedRows',
    'eventhouseIngested',
    'eventhousePoisoned',
    'eventhouseReplayed',
    'eventhouseThrottled',
] as const;
export type CounterName = (typeof counterNames)[number];
export type CounterDeltas = Partial<Record<CounterName, number>>;

export interface CountedError {
    at: string;
    status?: number;
    code?: string;
    message: string;
}

/**
 * The relay's counters for the status page, kept in Storage so every instance shows the same numbers. Counting
 * only adds to this instance's tally (no Storage request on the webhook's or the push path's way); the tally is
 * written at most every `flushMs`, one read-modify-write (ETag) of the minute's entity and one of the running
 * total per dataset and table, however many requests it holds. A process that dies loses at most that
 * interval's counts; a failed write keeps them for the next one.
 */
export interface StatusCounters {
    count(
        dataset: string,
        table: string,
        deltas: CounterDeltas,
        facts?: { lastError?: CountedError; eventhouseLastError?: CountedError; datasetId?: string },
    ): void;
    /**
     * Writes what is tallied now (the timer does this by itself; tests and shutdown call it). Shutdown passes an
     * abort signal, so that with Storage gone it ends within the host's grace period instead of after every retry;
     * what was not written is kept, as after any failed write.
     */
    flush(options?: { abortSignal?: AbortSignal }): Promise<void>;
}

interface Tally {
    dataset: string;
    table: string;
    /** Minute start (ms) -> deltas not yet written; each entry is removed once its entity holds it. */
    minutes: Map<number, CounterDeltas>;
    /** Deltas not yet in the running total (kept apart, so a failure after some writes repeats none of them). */
    total?: CounterDeltas;
    lastError?: CountedError;
    /** The Eventhouse sink's last error, kept apart from the push's. */
    eventhouseLastError?: CountedError;
    datasetId?: string;
}

/** The entity fields of a last error: `<prefix>At`, `<prefix>Message`, `<prefix>Status`, `<prefix>Code`. */
function errorFields(prefix: string, error: CountedError | undefined): Record<string, unknown> {
    if (!error) return {};
    return {
        [`${prefix}At`]: error.at,
        [`${prefix}Message`]: error.message.slice(0, maxErrorChars),
        ...(error.status !== undefined ? { [`${prefix}Status`]: error.status } : {}),
        ...(error.code !== undefined ? { [`${prefix}Code`]: error.code } : {}),
    };
}

/** The later of two errors (either may be missing). */
const later = (a: CountedError | undefined, b: CountedError | undefined) => (!a || (b && a.at <= b.at) ? b : a);

const maxWriteConflicts = 20;
/** How often an instance looks for a partition's old minute buckets to delete. */
const purgeEveryMs = 10 * 60_000;
const purgeBatch = 100;
const maxErrorChars = 2_000;

const add = (target: CounterDeltas, deltas: CounterDeltas) => {
    for (const name of counterNames) {
        const delta = deltas[name];
        if (delta) target[name] = (target[name] ?? 0) + delta;
    }
};

export function createStatusCounters(
    table: TableClient,
    options: { flushMs: number; now?: () => number; onError?: (error: unknown) => void },
): StatusCounters {
    const now = options.now ?? Date.now;
    const ensureTable = ensureOnce(() => table.createTable());
    let tallies = new Map<string, Tally>();
    const lastPurge = new Map<string, number>();
    let timer: NodeJS.Timeout | undefined;

    /** Adds `deltas` (and the facts) to one entity, retrying while another instance wrote in between. */
    async function addToEntity(
        partitionKey: string,
        rowKey: string,
        tally: Tally,
        deltas: CounterDeltas,
        facts: Record<string, unknown>,
        abortSignal: AbortSignal | undefined,
    ): Promise<void> {
        for (let conflict = 0; ; conflict++) {
            let current: Record<string, unknown> | undefined;
            try {
                current = await table.getEntity<Record<string, unknown>>(partitionKey, rowKey, { abortSignal });
            } catch (error) {
                if (!isStorageStatus(error, 404)) throw error;
            }
            const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
                partitionKey,
                rowKey,
                dataset: tally.dataset,
                table: tally.table,
                ...facts,
            };
            for (const name of counterNames) {
                const before = typeof current?.[name] === 'number' ? (current[name] as number) : 0;
                // Double, not the SDK's Int32 for whole numbers: a running total passes 2^31 rows.
                entity[name] = { value: before + (deltas[name] ?? 0), type: 'Double' };
            }
            try {
                if (current) {
                    await table.updateEntity(entity, 'Merge', { etag: current.etag as string, abortSignal });
                } else await table.createEntity(entity, { abortSignal });
                return;
            } catch (error) {
                if (!(isStorageStatus(error, 412) || isStorageStatus(error, 409))) throw error;
                if (conflict >= maxWriteConflicts)
                    throw new Error(`The status counters of ${tally.dataset}/${tally.table} kept changing`);
            }
        }
    }

    async function purgeOld(partitionKey: string, abortSignal: AbortSignal | undefined): Promise<void> {
        const nowMs = now();
        if ((lastPurge.get(partitionKey) ?? 0) + purgeEveryMs > nowMs) return;
        lastPurge.set(partitionKey, nowMs);
        const before = toMinuteRowKey(minuteOf(nowMs - bucketRetentionMs));
        const old = table
            .listEntities({
                queryOptions: {
                    filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${'m'} and RowKey lt ${before}`,
                    select: ['RowKey'],
                },
                abortSignal,
            })
            .byPage({ maxPageSize: purgeBatch });
        for await (const page of old) {
            await Promise.all(
                page.map((entity) =>
                    table.deleteEntity(partitionKey, entity.rowKey ?? '', { abortSignal }).catch((error: unknown) => {
                        if (!isStorageStatus(error, 404)) throw error;
                    }),
                ),
            );
            // One page a flush: a partition that fell behind is caught up by the next purges.
            return;
        }
    }

    async function write(key: string, tally: Tally, abortSignal: AbortSignal | undefined): Promise<void> {
        await Promise.all(
            [...tally.minutes].map(async ([minute, deltas]) => {
                await addToEntity(
                    key,
                    toMinuteRowKey(minute),
                    tally,
                    deltas,
                    { minute: new Date(minute).toISOString() },
                    abortSignal,
                );
                tally.minutes.delete(minute);
            }),
        );
        const facts: Record<string, unknown> = {
            ...(tally.datasetId ? { datasetId: tally.datasetId } : {}),
            ...errorFields('lastError', tally.lastError),
            ...errorFields('eventhouseLastError', tally.eventhouseLastError),
        };
        if (tally.total) await addToEntity(key, totalRowKey, tally, tally.total, facts, abortSignal);
        tally.total = undefined;
        await purgeOld(key, abortSignal);
    }

    /** Puts a tally that could not be written back, so its counts go with the next flush. */
    function restore(key: string, tally: Tally): void {
        const current = tallies.get(key);
        if (!current) {
            tallies.set(key, tally);
            return;
        }
        for (const [minute, deltas] of tally.minutes) {
            const into = current.minutes.get(minute) ?? {};
            add(into, deltas);
            current.minutes.set(minute, into);
        }
        if (tally.total) add((current.total ??= {}), tally.total);
        current.lastError ??= tally.lastError;
        current.eventhouseLastError ??= tally.eventhouseLastError;
        current.datasetId ??= tally.datasetId;
    }

    async function flushNow(abortSignal: AbortSignal | undefined): Promise<void> {
        const taken = tallies;
        tallies = new Map();
        if (taken.size === 0) return;
        try {
            await ensureTable();
        } catch (error) {
            for (const [key, tally] of taken) restore(key, tally);
            throw error;
        }
        const failures: unknown[] = [];
        await Promise.all(
            [...taken].map(([key, tally]) =>
                write(key, tally, abortSignal).catch((error: unknown) => {
                    restore(key, tally);
                    failures.push(error);
                }),
            ),
        );
        if (failures.length > 0) throw failures[0];
    }

    let chain: Promise<void> = Promise.resolve();
    /** One flush at a time per instance; a second waits for the first and then writes what came since. */
    function flush(flushOptions?: { abortSignal?: AbortSignal }): Promise<void> {
        // Shutdown's flush does not queue behind one in progress, whose retries could outlast its signal: the two
        // write tallies of their own, and the ETags keep their writes to one entity from overwriting each other.
        if (flushOptions?.abortSignal) return flushNow(flushOptions.abortSignal);
        const run = chain.then(() => flushNow(undefined));
        chain = run.catch(() => undefined);
        return run;
    }

    function schedule(): void {
        if (timer) return;
        timer = setTimeout(() => {
            timer = undefined;
            flush().catch((error: unknown) => {
                options.onError?.(error);
                if (tallies.size > 0) schedule();
            });
        }, options.flushMs);
        // The tally never keeps a process alive on its own.
        timer.unref();
    }

    return {
        count(dataset, tableName, deltas, facts) {
            const key = toCounterPartition(dataset, tableName);
            let tally = tallies.get(key);
            if (!tally) {
                tally = { dataset, table: tableName, minutes: new Map() };
                tallies.set(key, tally);
            }
            const minute = minuteOf(now());
            const into = tally.minutes.get(minute) ?? {};
            add(into, deltas);
            tally.minutes.set(minute, into);
            add((tally.total ??= {}), deltas);
            tally.lastError = later(tally.lastError, facts?.lastError);
            tally.eventhouseLastError = later(tally.eventhouseLastError, facts?.eventhouseLastError);
            if (facts?.datasetId) tally.datasetId = facts.datasetId;
            schedule();
        },
        flush,
    };
}
