import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { ensureOnce } from '../storage/ensureOnce';
import { isStorageStatus } from '../storage/isStorageStatus';

/**
 * Schedule slots claimed in REFRESH_LOCK_TABLE, next to the model locks: PartitionKey `slots~<target>`
 * (a model lock's PartitionKey is a workspace GUID, so they never meet), RowKey the inverted slot time so
 * the newest slot is the first row. Inserting the row is the claim: Table storage refuses a second insert
 * of the same keys (409), so one slot starts one refresh across instances, overlapping ticks and restarts.
 */
const slotEntitySchema = z.object({
    slot: z.string(),
    claimedAt: z.string(),
    refreshId: z.string().optional(),
    outcome: z.string().optional(),
    skipped: z.number().optional(),
});

export type SlotClaim = z.infer<typeof slotEntitySchema>;

export interface RefreshSlots {
    /** The newest claimed slot of the target, if any. */
    latest(target: string): Promise<SlotClaim | undefined>;
    /** Claims the slot for this caller; false when someone already has. */
    claim(target: string, slot: Date, fields: { claimedAt: Date; skipped: number }): Promise<boolean>;
    /** Notes what the claimed slot started (tracking id, outcome kind), for the refresh API. */
    settle(target: string, slot: Date, fields: { refreshId?: string; outcome: string }): Promise<void>;
    /** Deletes claims of slots before `cutoff` (retention), keeping each target's newest; returns how many. */
    purge(target: string, cutoff: Date): Promise<number>;
}

const invertFrom = 99_999_999_999_999;
const toRowKey = (slot: Date) => (invertFrom - slot.getTime()).toString().padStart(14, '0');
const toPartitionKey = (target: string) => `slots~${target}`;

export function createRefreshSlots(table: TableClient): RefreshSlots {
    const ensureTable = ensureOnce(() => table.createTable());

    async function newestEntity(target: string) {
        const pages = table
            .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${toPartitionKey(target)}` } })
            .byPage({ maxPageSize: 1 });
        for await (const page of pages) return page[0];
        return undefined;
    }

    return {
        async latest(target) {
            await ensureTable();
            const newest = await newestEntity(target);
            return newest === undefined ? undefined : slotEntitySchema.parse(newest);
        },
        async claim(target, slot, fields) {
            await ensureTable();
            try {
                await table.createEntity({
                    partitionKey: toPartitionKey(target),
                    rowKey: toRowKey(slot),
                    slot: slot.toISOString(),
                    claimedAt: fields.claimedAt.toISOString(),
                    skipped: fields.skipped,
                });
                return true;
            } catch (error) {
                if (isStorageStatus(error, 409)) return false;
                throw error;
            }
        },
        async settle(target, slot, fields) {
            await ensureTable();
            const entity = { partitionKey: toPartitionKey(target), rowKey: toRowKey(slot), ...fields };
            for (const key of Object.keys(entity) as (keyof typeof entity)[])
                if (entity[key] === undefined) delete entity[key];
            await table.updateEntity(entity, 'Merge');
        },
        async purge(target, cutoff) {
            await ensureTable();
            // The newest claim is where the next tick counts from, however old it is.
            const newest = (await newestEntity(target))?.rowKey;
            let deleted = 0;
            const old = table.listEntities({
                queryOptions: {
                    filter: odata`PartitionKey eq ${toPartitionKey(target)} and RowKey gt ${toRowKey(cutoff)}`,
                    select: ['RowKey'],
                },
            });
            for await (const entity of old) {
                if (entity.rowKey === undefined || entity.rowKey === newest) continue;
                try {
                    await table.deleteEntity(toPartitionKey(target), entity.rowKey);
                    deleted += 1;
                } catch (error) {
                    if (!isStorageStatus(error, 404)) throw error;
                }
            }
            return deleted;
        },
    };
}
