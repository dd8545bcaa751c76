import { createHash } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { ensureOnce } from '../storage/ensureOnce';
import { isStorageStatus } from '../storage/isStorageStatus';

/**
 * Remembers which (scope, id) pairs were committed, so a sender's redelivery is answered without committing
 * it twice: Event Grid retries with the same event id, webhooks resend with the same delivery id, and a request
 * with an Idempotency-Key or webhook-id is answered again (scope: route and sender, see commitOnce). One claim
 * is an insert-if-absent on a Table storage entity; a pending claim older than `staleClaimSeconds` belongs
 * to a request that died and may be taken over, and a committed id is remembered for `retentionHours`.
 */
export interface IdempotencyStore {
    /**
     * `fingerprint` (of the request body) is kept with the claim, so a reuse of the id with another body is seen;
     * `ingestionId`, the id the claimer will enqueue under, so a takeover enqueues under the same one.
     */
    claim(scope: string, id: string, fingerprint?: string, ingestionId?: string): Promise<ClaimResult>;
    /** Records the claim as committed, with what to answer a later copy. */
    complete(claim: Claim, result: string): Promise<void>;
    /** Gives the claim up (the commit failed), so the sender's retry can claim it again. */
    release(claim: Claim): Promise<void>;
    /**
     * Deletes what was last written before `asOf` minus the retention (committed ids past it, abandoned claims), since
     * Table storage has no expiry of its own: pages of 100, each partition's share in one transaction, until none is
     * left, `maxDeletes` are deleted or `stopAtMs` has passed (the next run goes on). Returns how many it deleted.
     */
    purgeExpired(asOf: Date, budget?: { maxDeletes?: number; stopAtMs?: number }): Promise<number>;
}

export interface Claim {
    partitionKey: string;
    rowKey: string;
    etag: string;
}

export type ClaimResult =
    /**
     * `earlierIngestionId`: the claim was taken over from a pending one whose claimer died, maybe after it enqueued
     * under this id; the claim now holds it, and the taker must enqueue under it too (the push ledger deduplicates).
     */
    | { kind: 'claimed'; claim: Claim; earlierIngestionId?: string }
    | { kind: 'committed'; result: string; fingerprint?: string }
    | { kind: 'inProgress'; fingerprint?: string };

export interface IdempotencyOptions {
    retentionHours: number;
    staleClaimSeconds?: number;
}

interface ClaimEntity {
    partitionKey: string;
    rowKey: string;
    state: 'pending' | 'committed';
    id: string;
    claimedAt: string;
    committedAt?: string;
    result?: string;
    fingerprint?: string;
    ingestionId?: string;
}

/** Table keys may not hold / \ # ? or control characters and are at most 1 KiB: hash the id, keep it readable in `id`. */
const toRowKey = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');
const toPartitionKey = (scope: string) => encodeURIComponent(scope);
/** A page of the purge's listing, and the most deletes one entity group transaction holds. */
const purgeBatch = 100;

export function createIdempotencyStore(table: TableClient, options: IdempotencyOptions): IdempotencyStore {
    // createTable already treats 409 TableAlreadyExists as success.
    const ensureTable = ensureOnce(() => table.createTable());
    const staleClaimMs = (options.staleClaimSeconds ?? 60) * 1000;
    const retentionMs = options.retentionHours * 3600 * 1000;

    async function takeOver(
        existing: ClaimEntity & { etag: string },
        fingerprint?: string,
        ingestionId?: string,
    ): Promise<ClaimResult> {
        // A pending claim's ingestion id may be enqueued already: the taker keeps it. A committed one's expired.
        const earlier = existing.state === 'pending' ? existing.ingestionId : undefined;
        const kept = earlier ?? ingestionId;
        const entity: ClaimEntity = {
            partitionKey: existing.partitionKey,
            rowKey: existing.rowKey,
            state: 'pending',
            id: existing.id,
            claimedAt: new Date().toISOString(),
            ...(fingerprint === undefined ? {} : { fingerprint }),
            ...(kept === undefined ? {} : { ingestionId: kept }),
        };
        try {
            const response = await table.updateEntity(entity, 'Replace', { etag: existing.etag });
            return {
                kind: 'claimed',
                claim: { partitionKey: entity.partitionKey, rowKey: entity.rowKey, etag: response.etag ?? '' },
                ...(earlier === undefined ? {} : { earlierIngestionId: earlier }),
            };
        } catch (error) {
            // Another request took it over first (or committed it) between our read and our write.
            if (isStorageStatus(error, 412) || isStorageStatus(error, 404)) return { kind: 'inProgress' };
            throw error;
        }
    }

    /** Deletes the keys of one partition in one transaction; one already gone (another purge) fails it, then each is deleted alone. */
    async function deleteAll(partitionKey: string, rowKeys: readonly string[]): Promise<void> {
        try {
            await table.submitTransaction(rowKeys.map((rowKey) => ['delete', { partitionKey, rowKey }] as const));
        } catch (error) {
            if (!isStorageStatus(error, 404)) throw error;
            await Promise.all(
                rowKeys.map((rowKey) =>
                    table.deleteEntity(partitionKey, rowKey).catch((failure: unknown) => {
                        if (!isStorageStatus(failure, 404)) throw failure;
                    }),
                ),
            );
        }
    }

    return {
        async claim(scope, id, fingerprint, ingestionId) {
            await ensureTable();
            const entity: ClaimEntity = {
                partitionKey: toPartitionKey(scope),
                rowKey: toRowKey(id),
                state: 'pending',
                id: id.slice(0, 1000),
                claimedAt: new Date().toISOString(),
                ...(fingerprint === undefined ? {} : { fingerprint }),
                ...(ingestionId === undefined ? {} : { ingestionId }),
            };
            try {
                const response = await table.createEntity(entity);
                return { kind: 'claimed', claim: { ...entity, etag: response.etag ?? '' } };
            } catch (error) {
                if (!isStorageStatus(error, 409)) throw error;
            }
            let existing: ClaimEntity & { etag: string };
            try {
                existing = await table.getEntity<ClaimEntity>(entity.partitionKey, entity.rowKey);
            } catch (error) {
                // Released between our insert and our read: the sender's retry will claim it.
                if (isStorageStatus(error, 404)) return { kind: 'inProgress' };
                throw error;
            }
            const now = Date.now();
            if (existing.state === 'committed') {
                const committedAt = Date.parse(existing.committedAt ?? '');
                if (now - committedAt < retentionMs) {
                    return { kind: 'committed', result: existing.result ?? '', fingerprint: existing.fingerprint };
                }
                return takeOver(existing, fingerprint, ingestionId);
            }
            return now - Date.parse(existing.claimedAt) >= staleClaimMs
                ? takeOver(existing, fingerprint, ingestionId)
                : { kind: 'inProgress', fingerprint: existing.fingerprint };
        },
        async complete(claim, result) {
            // Merge keeps id and claimedAt; unconditional, because the commit has happened either way.
            await table.upsertEntity(
                {
                    partitionKey: claim.partitionKey,
                    rowKey: claim.rowKey,
                    state: 'committed',
                    committedAt: new Date().toISOString(),
                    result,
                },
                'Merge',
            );
        },
        async release(claim) {
            try {
                await table.deleteEntity(claim.partitionKey, claim.rowKey, { etag: claim.etag });
            } catch (error) {
                if (!isStorageStatus(error, 404) && !isStorageStatus(error, 412)) throw error;
            }
        },
        async purgeExpired(asOf, { maxDeletes = 500_000, stopAtMs = Infinity } = {}) {
            await ensureTable();
            const cutoff = new Date(asOf.getTime() - retentionMs);
            const pages = table
                .listEntities<{ partitionKey: string; rowKey: string }>({
                    queryOptions: { filter: odata`Timestamp lt ${cutoff}`, select: ['PartitionKey', 'RowKey'] },
                })
                .byPage({ maxPageSize: purgeBatch });
            let deleted = 0;
            for await (const page of pages) {
                if (deleted >= maxDeletes || Date.now() >= stopAtMs) break;
                const batch = page.slice(0, maxDeletes - deleted);
                const byPartition = new Map<string, string[]>();
                for (const { partitionKey, rowKey } of batch)
                    byPartition.set(partitionKey, [...(byPartition.get(partitionKey) ?? []), rowKey]);
                // One entity group transaction per partition of the page (at most 100 deletes a request).
                await Promise.all([...byPartition].map(([partitionKey, rowKeys]) => deleteAll(partitionKey, rowKeys)));
                deleted += batch.length;
            }
            return deleted;
        },
    };
}
