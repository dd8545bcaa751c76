import type { TableClient } from '@azure/data-tables';
import { ensureOnce } from '../storage/ensureOnce';

/**
 * Records each Add Rows part that Power BI accepted. Add Rows has no idempotency key, so a message that is
 * delivered again (host retry, continuation after a 429) skips the parts already pushed instead of
 * appending them twice.
 */
export interface PushLedger {
    pushedParts(ingestionId: string): Promise<Set<number>>;
    recordPart(ingestionId: string, part: number, entry: { rows: number; requestId?: string }): Promise<void>;
}

const partKey = (part: number) => part.toString().padStart(6, '0');

export function createPushLedger(table: TableClient): PushLedger {
    // createTable already treats 409 TableAlreadyExists as success.
    const ensureTable = ensureOnce(() => table.createTable());
    return {
        async pushedParts(ingestionId) {
            await ensureTable();
            const parts = new Set<number>();
            const entities = table.listEntities<{ rowKey: string }>({
                queryOptions: { filter: `PartitionKey eq '${ingestionId.replace(/'/g, "''")}'`, select: ['RowKey'] },
            });
            for await (const entity of entities) parts.add(Number(entity.rowKey));
            return parts;
        },
        async recordPart(ingestionId, part, entry) {
            await ensureTable();
            await table.upsertEntity({
                partitionKey: ingestionId,
                rowKey: partKey(part),
                rows: entry.rows,
                requestId: entry.requestId ?? '',
                pushedAt: new Date().toISOString(),
            });
        },
    };
}
