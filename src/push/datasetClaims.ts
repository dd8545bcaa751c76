import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { ensureOnce } from '../storage/ensureOnce';
import { isStorageStatus } from '../storage/isStorageStatus';
import { toGovernorKey } from './pushGovernor';

/**
 * Makes creating a push dataset single-flight across instances: Power BI lets two datasets share a name, so
 * two instances that both find none would create two. Before creating, an instance inserts a claim (insert
 * fails if one exists); the others wait for the dataset to appear. A claim older than `staleMs` belongs to an
 * instance that died while creating and is taken over (ETag-guarded, so only one instance takes it).
 */
export interface DatasetClaims {
    claim(workspaceId: string, dataset: string): Promise<'mine' | 'theirs'>;
}

interface ClaimEntity {
    partitionKey: string;
    rowKey: string;
    dataset: string;
    owner: string;
    claimedAtMs: number;
}

const partitionKey = 'create';

export function createDatasetClaims(table: TableClient, staleMs = 60_000, now: () => number = Date.now): DatasetClaims {
    const ensureTable = ensureOnce(() => table.createTable());
    const owner = randomUUID();
    return {
        async claim(workspaceId, dataset) {
            await ensureTable();
            const entity: ClaimEntity = {
                partitionKey,
                rowKey: toGovernorKey(workspaceId, dataset),
                dataset,
                owner,
                claimedAtMs: now(),
            };
            try {
                await table.createEntity(entity);
                return 'mine';
            } catch (error) {
                if (!isStorageStatus(error, 409)) throw error;
            }
            const existing = await table.getEntity<ClaimEntity>(partitionKey, entity.rowKey);
            if (existing.owner === owner) return 'mine';
            if (now() - existing.claimedAtMs < staleMs) return 'theirs';
            try {
                await table.updateEntity(entity, 'Replace', { etag: existing.etag });
                return 'mine';
            } catch (error) {
                if (isStorageStatus(error, 412)) return 'theirs';
                throw error;
            }
        },
    };
}
