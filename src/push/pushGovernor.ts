import { createHash, randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { ensureOnce } from '../storage/ensureOnce';
import { isStorageStatus } from '../storage/isStorageStatus';
import {
    budgetStateSchema,
    grantCall,
    judgeCall,
    pruneBudget,
    releaseCall,
    type BudgetState,
    type BudgetVerdict,
    type CallRequest,
    type PushLimits,
} from './pushBudget';

export interface CallGrant {
    maxRows: number;
    /** Ends the call: rows Power BI stored (0 if it failed) and the Retry-After of a 429, if one came. */
    release(outcome: { pushedRows: number; retryAfterSeconds?: number }): Promise<void>;
}

export type Acquired = { kind: 'granted'; grant: CallGrant } | Extract<BudgetVerdict, { kind: 'wait' }>;

/**
 * The Add Rows budget of each dataset, shared by every instance of the app. Its state is one Table-storage
 * entity per dataset, changed only with its ETag (optimistic concurrency): of two instances that want the
 * same slot one wins, the other reads again and waits. A blob lease would serialise the instances for the
 * whole call; an ETag is held for one read-modify-write and costs two requests per call.
 */
export interface PushGovernor {
    acquire(datasetKey: string, request: CallRequest): Promise<Acquired>;
}

interface BudgetEntity {
    partitionKey: string;
    rowKey: string;
    dataset: string;
    state: string;
    etag?: string;
}

export const governorPartitionKey = 'budget';
/** Two instances rarely collide more than a few times in a row; past this, Storage is struggling. */
const maxWriteConflicts = 20;

/** Row keys exclude / \ # ? and control characters, which dataset names may hold. */
export const toGovernorKey = (workspaceId: string, dataset: string) =>
    createHash('sha256').update(`${workspaceId}\n${dataset}`).digest('hex');

export function createPushGovernor(table: TableClient, limits: PushLimits, now: () => number = Date.now): PushGovernor {
    const ensureTable = ensureOnce(() => table.createTable());

    async function read(rowKey: string): Promise<{ state: BudgetState; etag?: string }> {
        try {
            const entity = await table.getEntity<BudgetEntity>(governorPartitionKey, rowKey);
            const parsed = budgetStateSchema.safeParse(JSON.parse(entity.state));
            // A state this version cannot read starts afresh: the worst case is one early call and its 429.
            return { state: parsed.success ? parsed.data : budgetStateSchema.parse({}), etag: entity.etag };
        } catch (error) {
            if (isStorageStatus(error, 404)) return { state: budgetStateSchema.parse({}) };
            throw error;
        }
    }

    async function write(rowKey: string, dataset: string, state: BudgetState, etag?: string): Promise<boolean> {
        const entity = { partitionKey: governorPartitionKey, rowKey, dataset, state: JSON.stringify(state) };
        try {
            if (etag) await table.updateEntity(entity, 'Replace', { etag });
            else await table.createEntity(entity);
            return true;
        } catch (error) {
            if (isStorageStatus(error, 412) || isStorageStatus(error, 409)) return false;
            throw error;
        }
    }

    /** Reads, changes and writes the state until no other instance wrote in between. */
    async function update<T>(
        rowKey: string,
        dataset: string,
        change: (state: BudgetState, nowMs: number) => { state?: BudgetState; result: T },
    ): Promise<T> {
        await ensureTable();
        for (let conflict = 0; ; conflict++) {
            const current = await read(rowKey);
            const nowMs = now();
            const { state, result } = change(pruneBudget(current.state, nowMs), nowMs);
            if (!state || (await write(rowKey, dataset, state, current.etag))) return result;
            if (conflict >= maxWriteConflicts)
                throw new Error(`The push budget of ${dataset} changed ${maxWriteConflicts} times while being updated`);
        }
    }

    return {
        async acquire(datasetKey, request) {
            const id = randomUUID();
            return update<Acquired>(datasetKey, datasetKey, (state, nowMs) => {
                const verdict = judgeCall(state, request, limits, nowMs);
                if (verdict.kind === 'wait') return { result: verdict };
                const grantedAtMs = nowMs;
                const grant: CallGrant = {
                    maxRows: verdict.maxRows,
                    release: (outcome) =>
                        update(datasetKey, datasetKey, (current, releasedAtMs) => ({
                            state: releaseCall(
                                current,
                                {
                                    id,
                                    grantedAtMs,
                                    pushedRows: outcome.pushedRows,
                                    table: request.table,
                                    startingRows: request.startingRows,
                                    retryAfterSeconds: outcome.retryAfterSeconds,
                                },
                                releasedAtMs,
                            ),
                            result: undefined,
                        })),
                };
                return {
                    state: grantCall(state, request, { id, rows: verdict.maxRows }, limits, nowMs),
                    result: { kind: 'granted', grant },
                };
            });
        },
    };
}
