import type { TableClient } from '@azure/data-tables';
import { budgetStateSchema, pruneBudget, type BudgetState } from '../push/pushBudget';
import { governorPartitionKey } from '../push/pushGovernor';
import { isStorageStatus } from '../storage/isStorageStatus';

/** A dataset's shared Add Rows budget as the push functions last wrote it (one point read), with what left its windows dropped. */
export async function readPushBudget(
    table: TableClient,
    datasetId: string,
    nowMs: number,
): Promise<BudgetState | undefined> {
    try {
        const entity = await table.getEntity<{ state: string }>(governorPartitionKey, datasetId);
        const parsed = budgetStateSchema.safeParse(JSON.parse(entity.state));
        return parsed.success ? pruneBudget(parsed.data, nowMs) : undefined;
    } catch (error) {
        if (isStorageStatus(error, 404)) return undefined;
        throw error;
    }
}
