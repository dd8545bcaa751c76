import { createHash } from 'node:crypto';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { ensureOnce } from '../storage/ensureOnce';
import { isStorageStatus } from '../storage/isStorageStatus';

/**
 * Records each Add Rows part that Power BI accepted. Add Rows has no idempotency key, so a message that is
 * delivered again (host retry, continuation after a 429) skips the parts already pushed instead of
 * appending them twice.
 */
export interface PushLedger {
    /** The ingestion's parts in Power BI, and those of a call whose outcome the relay never learnt. */
    partsOf(ingestionId: string): Promise<LedgerParts>;
    /** Records the parts of one Add Rows call (many ingestions when requests were packed) in few Storage requests. */
    recordParts(entries: readonly LedgerEntry[]): Promise<void>;
    /**
     * Records, before an Add Rows call, that these parts are about to be sent in call `callId`: a crash or a
     * timeout then leaves them pending, and whoever delivers them next settles what became of the call. It is a
     * claim: a part is written only if the ledger holds nothing for it (or, with `replaces`, the version of the
     * pending entry its deliverer read and settled as not stored). Returns the entries another call holds already (a second copy of
     * a message, delivered again while the first still ran): those must not go in this call; and those it recorded,
     * each with the version it wrote, for clearIntent.
     */
    recordIntent(entries: readonly IntentEntry[], call: PendingCall): Promise<RecordedIntents>;
    /**
     * Marks the intent of call `callId`, which ended without an answer (timed out, reset, 5xx): it is no longer in
     * flight, so its parts may be counted at once. A part another call took over meanwhile stays in flight: the mark
     * names the call it ends, and counts only on that call's intent.
     */
    endIntent(entries: readonly Pick<LedgerEntry, 'ingestionId' | 'part'>[], callId: string): Promise<void>;
    /**
     * Removes the intent of call `callId`, which Power BI answered with a definite failure (nothing was stored): each
     * entry only in the version this call recorded, so a late clear (a stalled instance) leaves the intent of a call
     * that took the part over since, which may be in flight. An entry whose version is unknown or changed is read
     * once and removed if it is still this call's pending intent.
     */
    clearIntent(entries: readonly RecordedIntent[], callId: string): Promise<void>;
    /**
     * Deletes entries pushed before `pushedBefore`, partition by partition in batches of 100, until none is
     * left or `stopAtMs` has passed; returns how many it deleted. The next run goes on where this
     * one stopped, so each run's cost is bounded whatever the traffic.
     */
    sweep(pushedBefore: Date, stopAtMs: number): Promise<number>;
}

export interface LedgerEntry {
    ingestionId: string;
    part: number;
    rows: number;
    requestId?: string;
}

export interface IntentEntry extends LedgerEntry {
    /**
     * The version (ETag) of the part's pending entry, read and settled as not stored: the new intent replaces
     * that version only, so of two copies that settled it, one claims the part.
     */
    replaces?: string;
}

/** An intent entry as recordIntent wrote it: `etag` is the version written (unknown if Storage named none). */
export type RecordedIntent = Pick<LedgerEntry, 'ingestionId' | 'part'> & { etag?: string };

export interface RecordedIntents {
    /** Entries another call holds: not recorded, not to go in this call. */
    taken: IntentEntry[];
    recorded: RecordedIntent[];
}

/** An Add Rows call that was sent (or about to be) when its outcome was last known. */
export interface PendingCall {
    callId: string;
    /** The rows the whole call carried (every member's). */
    callRows: number;
    /** The pending entry's version as read (partsOf), for the intent that replaces it. */
    etag?: string;
    /** When the intent was recorded (partsOf): a call not known to have ended may be in flight until its deadline. */
    recordedAt?: string;
    /** The call ended without an answer (endIntent): it is not in flight any more. */
    ended?: boolean;
}

export interface LedgerParts {
    pushed: Set<number>;
    pending: Map<number, PendingCall>;
}

/**
 * Whether the ledger can hold parts of this message: only if it was received before (the invocation or
 * instance that had it may have pushed before it died) or the relay sent it again. Skipping the look-up
 * otherwise saves a Table query for nearly every message.
 */
export const mayHaveBeenPushed = (message: { requeued?: true }, dequeueCount: number) =>
    dequeueCount > 1 || message.requeued === true;

const partKey = (part: number) => part.toString().padStart(6, '0');
/**
 * Entries are spread over 16 partitions by a hash of the ingestion id, so the entries of one packed call
 * (up to 10,000 ingestions) are written in batches of 100 (an entity group transaction holds one partition,
 * at most 100 entities) instead of one request each.
 */
const shardOf = (ingestionId: string) => `s${createHash('sha256').update(ingestionId).digest('hex')[0]}`;
/** Row keys exclude / \ # ? and control characters; base64url of the id has none of them. */
const idKey = (ingestionId: string) => Buffer.from(ingestionId, 'utf8').toString('base64url');
const maxBatch = 100;
const withEtag = <T extends object>(entry: T, etag: string | undefined): T & { etag?: string } =>
    etag === undefined ? entry : { ...entry, etag };
const shards = Array.from({ length: 16 }, (_, i) => `s${i.toString(16)}`);

const entityKey = (entry: Pick<LedgerEntry, 'ingestionId' | 'part'>) => ({
    partitionKey: shardOf(entry.ingestionId),
    rowKey: `${idKey(entry.ingestionId)}:${partKey(entry.part)}`,
});

/**
 * An entity to create exists (409), or one to replace changed (412) or went (404): another call holds the part.
 */
const isConflict = (error: unknown) => isStorageStatus(error, 404, 409, 412);

export function createPushLedger(table: TableClient, now: () => Date = () => new Date()): PushLedger {
    // createTable already treats 409 TableAlreadyExists as success.
    const ensureTable = ensureOnce(() => table.createTable());

    /**
     * One entity group transaction per shard and 100 entries; returns the entries of the transactions that failed
     * with a conflict (isConflict), and the others with the version each write left (a transaction's responses come
     * in the order of its actions); throws any other failure.
     */
    async function submitByShard<T extends Pick<LedgerEntry, 'ingestionId' | 'part'>>(
        entries: readonly T[],
        toAction: (entry: T) => TransactionAction,
    ): Promise<{ conflicted: T[]; written: (T & { etag?: string })[] }> {
        if (entries.length === 0) return { conflicted: [], written: [] };
        const byShard = new Map<string, T[]>();
        for (const entry of entries) {
            const shard = shardOf(entry.ingestionId);
            const inShard = byShard.get(shard) ?? [];
            inShard.push(entry);
            byShard.set(shard, inShard);
        }
        const batches = [...byShard.values()].flatMap((inShard) =>
            Array.from({ length: Math.ceil(inShard.length / maxBatch) }, (_, i) =>
                inShard.slice(i * maxBatch, (i + 1) * maxBatch),
            ),
        );
        const settled = await Promise.allSettled(batches.map((batch) => table.submitTransaction(batch.map(toAction))));
        const conflicted: T[] = [];
        const written: (T & { etag?: string })[] = [];
        for (const [index, outcome] of settled.entries()) {
            const batch = batches[index]!;
            if (outcome.status === 'fulfilled') {
                const responses = outcome.value.subResponses;
                written.push(...batch.map((entry, i) => withEtag(entry, responses[i]?.etag)));
                continue;
            }
            if (!isConflict(outcome.reason)) throw outcome.reason;
            conflicted.push(...batch);
        }
        return { conflicted, written };
    }
    /** submitByShard for writes that create nothing (upserts, deletes): a conflict there is a failure. */
    async function submitAll<T extends Pick<LedgerEntry, 'ingestionId' | 'part'>>(
        entries: readonly T[],
        toAction: (entry: T) => TransactionAction,
    ): Promise<void> {
        const { conflicted } = await submitByShard(entries, toAction);
        if (conflicted.length > 0) throw new Error(`The push ledger refused ${conflicted.length} writes (conflict)`);
    }
    /**
     * Writes one entity per entry, replacing what the part had; `pushedAt` bounds a pending entry's life like a
     * pushed one's, since the sweep removes both.
     */
    async function writeEntries(
        entries: readonly LedgerEntry[],
        fields: (entry: LedgerEntry) => Record<string, string | number>,
    ): Promise<void> {
        await ensureTable();
        const pushedAt = now().toISOString();
        await submitAll(entries, (entry) => [
            'upsert',
            { ...entityKey(entry), ingestionId: entry.ingestionId, rows: entry.rows, ...fields(entry), pushedAt },
            'Replace',
        ]);
    }

    /** Deletes an entity in one version: deleted, gone (404), or changed since (412); throws any other failure. */
    async function deleteInVersion(
        partitionKey: string,
        rowKey: string,
        etag: string,
    ): Promise<'deleted' | 'gone' | 'changed'> {
        try {
            await table.deleteEntity(partitionKey, rowKey, { etag });
            return 'deleted';
        } catch (error) {
            if (isStorageStatus(error, 404)) return 'gone';
            if (isStorageStatus(error, 412)) return 'changed';
            throw error;
        }
    }

    return {
        async partsOf(ingestionId) {
            await ensureTable();
            const parts = new Set<number>();
            const pending = new Map<number, PendingCall>();
            const prefix = `${idKey(ingestionId)}:`;
            const entities = table.listEntities<{
                rowKey: string;
                etag: string;
                state?: string;
                callId?: string;
                callRows?: number;
                pushedAt?: string;
                endedCallId?: string;
            }>({
                queryOptions: {
                    filter: odata`PartitionKey eq ${shardOf(ingestionId)} and RowKey ge ${prefix} and RowKey lt ${`${idKey(ingestionId)};`}`,
                    select: ['RowKey', 'state', 'callId', 'callRows', 'pushedAt', 'endedCallId'],
                },
            });
            for await (const entity of entities) {
                const part = Number(entity.rowKey.slice(prefix.length));
                if (entity.state === 'pending' && entity.callId) {
                    pending.set(part, {
                        callId: entity.callId,
                        callRows: entity.callRows ?? 0,
                        etag: entity.etag,
                        ...(entity.pushedAt === undefined ? {} : { recordedAt: entity.pushedAt }),
                        ...(entity.endedCallId === entity.callId ? { ended: true } : {}),
                    });
                } else {
                    parts.add(part);
                }
            }
            // Entries written before the ledger was sharded: one partition per ingestion.
            const earlier = table.listEntities<{ rowKey: string }>({
                queryOptions: { filter: odata`PartitionKey eq ${ingestionId}`, select: ['RowKey'] },
            });
            for await (const entity of earlier) if (/^\d{6}$/.test(entity.rowKey)) parts.add(Number(entity.rowKey));
            return { pushed: parts, pending };
        },
        // Replace mode: a pushed entry drops the state and call id of the pending one it replaces.
        recordParts: (entries) => writeEntries(entries, (entry) => ({ requestId: entry.requestId ?? '' })),
        async recordIntent(entries, call) {
            await ensureTable();
            const pushedAt = now().toISOString();
            const toEntity = (entry: IntentEntry) => ({
                ...entityKey(entry),
                ingestionId: entry.ingestionId,
                rows: entry.rows,
                state: 'pending',
                callId: call.callId,
                callRows: call.callRows,
                pushedAt,
            });
            const toAction = (entry: IntentEntry): TransactionAction =>
                entry.replaces === undefined
                    ? ['create', toEntity(entry)]
                    : ['update', toEntity(entry), 'Replace', { etag: entry.replaces }];
            const { conflicted, written } = await submitByShard(entries, toAction);
            // A transaction is all or nothing: its entries are claimed one by one to find which ones another call holds.
            const taken: IntentEntry[] = [];
            for (let start = 0; start < conflicted.length; start += maxBatch) {
                await Promise.all(
                    conflicted.slice(start, start + maxBatch).map(async (entry) => {
                        const alone = await submitByShard([entry], toAction);
                        taken.push(...alone.conflicted);
                        written.push(...alone.written);
                    }),
                );
            }
            return { taken, recorded: written };
        },
        async endIntent(entries, callId) {
            await ensureTable();
            // A merge, not a conditional write: a late mark (a stalled instance) on an intent another call recorded since
            // names a call that is not that intent's, so it does not end it (its new version at most makes a deliverer
            // that read the old one wait out the deadline); a part that was cleared or pushed is not pending.
            await submitByShard(entries, (entry) => ['update', { ...entityKey(entry), endedCallId: callId }, 'Merge']);
        },
        async clearIntent(entries, callId) {
            await ensureTable();
            // One conditional delete each, not an entity group transaction: Azurite ignores If-Match on a transaction's
            // deletes (Azure Storage honours it), so only single deletes are proven by the tests. A definite failure is
            // rare (the pacing keeps 429s away), so the extra requests are few.
            const clear = async (entry: RecordedIntent) => {
                const { partitionKey, rowKey } = entityKey(entry);
                if (entry.etag !== undefined && (await deleteInVersion(partitionKey, rowKey, entry.etag)) !== 'changed')
                    return;
                // Its version unknown, or changed: another call's now, or still this call's in a newer version (a
                // stalled call's late end mark merged into it). Read which, once.
                const current = await table
                    .getEntity<{ state?: string; callId?: string }>(partitionKey, rowKey, {
                        queryOptions: { select: ['state', 'callId'] },
                    })
                    .catch((error: unknown) => {
                        if (isStorageStatus(error, 404)) return undefined;
                        throw error;
                    });
                if (current?.state === 'pending' && current.callId === callId && current.etag)
                    await deleteInVersion(partitionKey, rowKey, current.etag);
            };
            for (let start = 0; start < entries.length; start += maxBatch) {
                await Promise.all(entries.slice(start, start + maxBatch).map(clear));
            }
        },
        async sweep(pushedBefore, stopAtMs) {
            await ensureTable();
            let deleted = 0;
            const cutoff = pushedBefore.toISOString();
            for (const shard of shards) {
                for (;;) {
                    if (now().getTime() >= stopAtMs) return deleted;
                    const pages = table
                        .listEntities<{ rowKey: string }>({
                            queryOptions: {
                                filter: odata`PartitionKey eq ${shard} and pushedAt lt ${cutoff}`,
                                select: ['RowKey'],
                            },
                        })
                        .byPage({ maxPageSize: maxBatch });
                    const page = (await pages.next()).value as { rowKey: string }[] | undefined;
                    if (!page || page.length === 0) break;
                    await table.submitTransaction(
                        page.map((entity) => ['delete', { partitionKey: shard, rowKey: entity.rowKey }] as const),
                    );
                    deleted += page.length;
                }
            }
            // Entries written before the ledger was sharded, each in its own partition (an ingestion id).
            while (now().getTime() < stopAtMs) {
                const pages = table
                    .listEntities<{ partitionKey: string; rowKey: string }>({
                        queryOptions: {
                            filter: odata`pushedAt lt ${cutoff} and (PartitionKey lt ${'s0'} or PartitionKey gt ${'sf'})`,
                            select: ['PartitionKey', 'RowKey'],
                        },
                    })
                    .byPage({ maxPageSize: maxBatch });
                const page = (await pages.next()).value as { partitionKey: string; rowKey: string }[] | undefined;
                if (!page || page.length === 0) break;
                await Promise.all(page.map((entity) => table.deleteEntity(entity.partitionKey, entity.rowKey)));
                deleted += page.length;
            }
            return deleted;
        },
    };
}
