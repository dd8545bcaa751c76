import { type TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { ensureOnce } from '../storage/ensureOnce';
import { isStorageStatus } from '../storage/isStorageStatus';

/**
 * Staleness episodes (maxAge) in REFRESH_LOCK_TABLE, next to the model locks and slots: PartitionKey
 * `alerts~<target>`; RowKey `watch` (when the relay began watching a target no refresh of which had
 * completed) and `stale` (the latest episode: since when no refresh completed, and whether one has since).
 * Inserts and ETag-guarded replaces make "once per episode" hold across instances and restarts.
 */
const watchSchema = z.object({ since: z.string() });
const staleSchema = z.object({ since: z.string(), alertId: z.string(), closedAt: z.string().optional() });

export interface StaleEpisodes {
    /** When the relay began watching the target's age (recorded on the first call). */
    watchingSince(target: string, now: Date): Promise<string>;
    /** Opens the episode of a target stale since `since`; false when that episode was opened already. */
    open(target: string, since: string, alertId: string): Promise<boolean>;
    /** Closes the open episode a completion at `completedAt` ends; returns its `since`, once. */
    close(target: string, completedAt: string, now: Date): Promise<string | undefined>;
}

const toPartitionKey = (target: string) => `alerts~${target}`;

export function createStaleEpisodes(table: TableClient): StaleEpisodes {
    const ensureTable = ensureOnce(() => table.createTable());

    async function read(target: string, rowKey: string) {
        try {
            return await table.getEntity(toPartitionKey(target), rowKey);
        } catch (error) {
            if (isStorageStatus(error, 404)) return undefined;
            throw error;
        }
    }

    return {
        async watchingSince(target, now) {
            await ensureTable();
            const existing = await read(target, 'watch');
            if (existing !== undefined) return watchSchema.parse(existing).since;
            try {
                await table.createEntity({
                    partitionKey: toPartitionKey(target),
                    rowKey: 'watch',
                    since: now.toISOString(),
                });
                return now.toISOString();
            } catch (error) {
                if (!isStorageStatus(error, 409)) throw error;
                return watchSchema.parse(await read(target, 'watch')).since;
            }
        },
        async open(target, since, alertId) {
            await ensureTable();
            const entity = { partitionKey: toPartitionKey(target), rowKey: 'stale', since, alertId };
            const existing = await read(target, 'stale');
            try {
                if (existing === undefined) await table.createEntity(entity);
                else if (staleSchema.parse(existing).since === since) return false;
                else await table.updateEntity(entity, 'Replace', { etag: existing.etag });
                return true;
            } catch (error) {
                if (isStorageStatus(error, 409, 412)) return false;
                throw error;
            }
        },
        async close(target, completedAt, now) {
            await ensureTable();
            const existing = await read(target, 'stale');
            if (existing === undefined) return undefined;
            const episode = staleSchema.parse(existing);
            if (episode.closedAt !== undefined || Date.parse(episode.since) >= Date.parse(completedAt))
                return undefined;
            try {
                await table.updateEntity(
                    { partitionKey: toPartitionKey(target), rowKey: 'stale', ...episode, closedAt: now.toISOString() },
                    'Replace',
                    { etag: existing.etag },
                );
                return episode.since;
            } catch (error) {
                if (isStorageStatus(error, 412)) return undefined;
                throw error;
            }
        },
    };
}
