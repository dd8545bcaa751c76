import { type TableClient } from '@azure/data-tables';
import { z } from 'zod';
import type { ModelRef } from '../powerbi/refreshApi';
import { ensureOnce } from '../storage/ensureOnce';
import { isStorageStatus } from '../storage/isStorageStatus';

/** The lock row of one model (REFRESH_LOCK_TABLE): PartitionKey = workspace id, RowKey = dataset id. */
const lockEntitySchema = z.object({
    etag: z.string(),
    refreshId: z.string(),
    target: z.string(),
    acquiredAt: z.string(),
    expiresAt: z.string(),
    released: z.boolean().default(false),
});

export type RefreshLock = Omit<z.infer<typeof lockEntitySchema>, 'etag'>;
export type LockHolder = Omit<RefreshLock, 'released'>;

export type AcquireResult = { kind: 'acquired' } | { kind: 'held'; lock: RefreshLock; etag: string };

/**
 * Single flight per model: whoever creates the lock row, or replaces a released or expired one under its
 * ETag, may start a refresh; everybody else sees who holds it. Power BI runs one refresh of a model at a
 * time, so two targets that name the same model share the lock.
 */
export interface RefreshLocks {
    /** Takes the lock for `holder` unless a live holder has it; `takeOver` names an etag known to be stale. */
    acquire(model: ModelRef, holder: LockHolder, takeOver?: string): Promise<AcquireResult>;
    /** Frees the lock if `refreshId` still holds it. */
    release(model: ModelRef, refreshId: string): Promise<void>;
}

const keys = (model: ModelRef) => ({
    partitionKey: model.workspaceId.toLowerCase(),
    rowKey: model.datasetId.toLowerCase(),
});

export function createRefreshLocks(table: TableClient, now: () => Date): RefreshLocks {
    const ensureTable = ensureOnce(() => table.createTable());

    async function read(model: ModelRef): Promise<{ lock: RefreshLock; etag: string } | undefined> {
        const { partitionKey, rowKey } = keys(model);
        try {
            const { etag, ...lock } = lockEntitySchema.parse(await table.getEntity(partitionKey, rowKey));
            return { lock, etag };
        } catch (error) {
            if (isStorageStatus(error, 404)) return undefined;
            throw error;
        }
    }

    return {
        async acquire(model, holder, takeOver) {
            await ensureTable();
            const entity = { ...keys(model), ...holder, released: false };
            // Two rounds: a lock that was released between our read and our write is read once more.
            for (let round = 0; round < 2; round += 1) {
                const current = await read(model);
                try {
                    if (current === undefined) {
                        await table.createEntity(entity);
                        return { kind: 'acquired' };
                    }
                    const free =
                        current.lock.released ||
                        Date.parse(current.lock.expiresAt) <= now().getTime() ||
                        current.etag === takeOver;
                    if (!free) return { kind: 'held', ...current };
                    await table.updateEntity(entity, 'Replace', { etag: current.etag });
                    return { kind: 'acquired' };
                } catch (error) {
                    if (!isStorageStatus(error, 409) && !isStorageStatus(error, 412)) throw error;
                }
            }
            const winner = await read(model);
            if (winner === undefined) throw new Error('The refresh lock vanished while it was contended');
            return { kind: 'held', ...winner };
        },
        async release(model, refreshId) {
            await ensureTable();
            const current = await read(model);
            if (current === undefined || current.lock.refreshId !== refreshId || current.lock.released) return;
            try {
                await table.updateEntity({ ...keys(model), ...current.lock, released: true }, 'Replace', {
                    etag: current.etag,
                });
            } catch (error) {
                // Someone took over a lock they found stale; it is theirs now.
                if (!isStorageStatus(error, 412) && !isStorageStatus(error, 404)) throw error;
            }
        },
    };
}
