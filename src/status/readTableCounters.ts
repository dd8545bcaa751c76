import { odata, type TableClient } from '@azure/data-tables';
import { isStorageStatus } from '../storage/isStorageStatus';
import { counterNames, type CountedError, type CounterName } from './statusCounters';
import { minuteMs, minuteOf, toCounterPartition, toMinuteRowKey, totalRowKey } from './statusCounterKeys';

export type Counts = Record<CounterName, number>;

export interface TableCounters {
    /** The last 60 minutes, oldest first; the current minute is the last. */
    minutes: { minute: number; counts: Counts }[];
    total: Counts;
    lastError?: CountedError;
    /** The Eventhouse sink's last error. */
    eventhouseLastError?: CountedError;
    datasetId?: string;
}

const countsOf = (entity: Record<string, unknown> | undefined): Counts =>
    Object.fromEntries(
        counterNames.map((name) => [name, typeof entity?.[name] === 'number' ? (entity[name] as number) : 0]),
    ) as Counts;

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** The last error written as `<prefix>At`, `<prefix>Message`, `<prefix>Status`, `<prefix>Code` (statusCounters). */
function errorOf(entity: Record<string, unknown> | undefined, prefix: string): CountedError | undefined {
    const message = text(entity?.[`${prefix}Message`]);
    const at = text(entity?.[`${prefix}At`]);
    if (!message || !at) return undefined;
    const status = entity?.[`${prefix}Status`];
    const code = text(entity?.[`${prefix}Code`]);
    return { at, message, ...(typeof status === 'number' ? { status } : {}), ...(code ? { code } : {}) };
}

/**
 * One range read of a table's partition: at most 60 minute entities and the running total (which sorts after
 * them), whatever the traffic, because the keys bound the range.
 */
export async function readTableCounters(
    table: TableClient,
    dataset: string,
    tableName: string,
    nowMs: number,
): Promise<TableCounters> {
    const partitionKey = toCounterPartition(dataset, tableName);
    const first = minuteOf(nowMs) - 59 * minuteMs;
    const byMinute = new Map<string, Record<string, unknown>>();
    let total: Record<string, unknown> | undefined;
    try {
        const entities = table.listEntities<Record<string, unknown>>({
            queryOptions: {
                filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${toMinuteRowKey(first)} and RowKey le ${totalRowKey}`,
            },
        });
        for await (const entity of entities) {
            if (entity.rowKey === totalRowKey) total = entity;
            else byMinute.set(entity.rowKey ?? '', entity);
        }
    } catch (error) {
        // Nothing counted yet: the table is created with the first count.
        if (!isStorageStatus(error, 404)) throw error;
    }
    const minutes = Array.from({ length: 60 }, (_, i) => first + i * minuteMs).map((minute) => ({
        minute,
        counts: countsOf(byMinute.get(toMinuteRowKey(minute))),
    }));
    const lastError = errorOf(total, 'lastError');
    const eventhouseLastError = errorOf(total, 'eventhouseLastError');
    return {
        minutes,
        total: countsOf(total),
        ...(lastError ? { lastError } : {}),
        ...(eventhouseLastError ? { eventhouseLastError } : {}),
        ...(text(total?.datasetId) ? { datasetId: text(total?.datasetId) } : {}),
    };
}
