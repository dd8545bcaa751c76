import { odata, type TableClient } from '@azure/data-tables';
import { ensureOnce } from '../storage/ensureOnce';
import { rowKeyBefore } from './refreshKey';
import { fromRefreshEntity, toRefreshEntity, type RefreshRecord } from './refreshRecord';
import { isStorageStatus } from '../storage/isStorageStatus';

export interface StoredRefresh {
    record: RefreshRecord;
    etag: string;
}

/**
 * The outcome history in Table storage. Updates are guarded by the ETag of the version read, so two
 * pollers that see the same end of a refresh record it once: the second gets `conflict`.
 */
export interface RefreshHistory {
    create(record: RefreshRecord): Promise<StoredRefresh>;
    get(target: string, rowKey: string): Promise<StoredRefresh | undefined>;
    update(record: RefreshRecord, etag: string): Promise<{ kind: 'updated'; etag: string } | { kind: 'conflict' }>;
    /** Newest first; one range read of the target's partition. */
    latest(target: string, top: number): Promise<RefreshRecord[]>;
    /** Deletes a target's refreshes requested before `cutoff`; returns how many. */
    purge(target: string, cutoff: Date): Promise<number>;
}

export function createRefreshHistory(table: TableClient): RefreshHistory {
    // createTable already treats 409 TableAlreadyExists as success.
    const ensureTable = ensureOnce(() => table.createTable());
    return {
        async create(record) {
            await ensureTable();
            const response = await table.createEntity(toRefreshEntity(record));
            return { record, etag: response.etag ?? '*' };
        },
        async get(target, rowKey) {
            await ensureTable();
            try {
                const entity = await table.getEntity(target, rowKey);
                return { record: fromRefreshEntity(entity), etag: entity.etag };
            } catch (error) {
                if (isStorageStatus(error, 404)) return undefined;
                throw error;
            }
        },
        async update(record, etag) {
            await ensureTable();
            try {
                const response = await table.updateEntity(toRefreshEntity(record), 'Replace', { etag });
                return { kind: 'updated', etag: response.etag ?? '*' };
            } catch (error) {
                if (isStorageStatus(error, 412) || isStorageStatus(error, 404)) return { kind: 'conflict' };
                throw error;
            }
        },
        async latest(target, top) {
            await ensureTable();
            const records: RefreshRecord[] = [];
            const pages = table
                .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${target}` } })
                .byPage({ maxPageSize: top });
            for await (const page of pages) {
                for (const entity of page) {
                    records.push(fromRefreshEntity(entity));
                    if (records.length >= top) return records;
                }
            }
            return records;
        },
        async purge(target, cutoff) {
            await ensureTable();
            const from = rowKeyBefore(cutoff);
            let deleted = 0;
            const old = table.listEntities({
                queryOptions: { filter: odata`PartitionKey eq ${target} and RowKey ge ${from}`, select: ['RowKey'] },
            });
            for await (const entity of old) {
                try {
                    await table.deleteEntity(target, entity.rowKey ?? '');
                    deleted += 1;
                } catch (error) {
                    if (!isStorageStatus(error, 404)) throw error;
                }
            }
            return deleted;
        },
    };
}
