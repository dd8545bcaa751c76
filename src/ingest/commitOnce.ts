import { createHash, randomUUID } from 'node:crypto';
import type { IdempotencyStore } from './idempotencyStore';

/** One request's idempotency key: the route and sender it is scoped to, the sender's id and the body's fingerprint. */
export interface RequestKey {
    kind: 'key';
    scope: string;
    id: string;
    fingerprint: string;
}

/** What the first request was answered, stored with its key and given again to a retry. */
export interface StoredAnswer {
    status: number;
    body: unknown;
}

/**
 * What a commit's outcome means for its key: the answer to store (and give a retry again); `release` when nothing
 * was enqueued for certain (a rejection), so the key is free again; `keep` when the rows may have been enqueued
 * (Storage did not confirm the send): the claim stays pending with its ingestion id, so a retry gets 409 until the
 * claim is old enough to take over, and then enqueues under the same id, whose copy the push ledger drops.
 */
export type KeyOutcome = StoredAnswer | 'release' | 'keep';

/**
 * The ingestion id a commit under a key enqueues under, kept in the key's pending claim (or, for a source's events
 * without a key, derived from their ids: toEventsIdentity). `resent`: the claim was
 * taken over from a claimer that died, maybe after it enqueued under this id, so the claim is kept when this commit
 * fails too. Every message under a key is marked requeued (commitRows): of two copies under one id, whichever the push
 * takes second finds the first's parts in the ledger.
 */
export interface CommitIdentity {
    ingestionId: string;
    resent: boolean;
}

export type KeyRejection = { kind: 'rejected'; status: 400 | 422; code: string; message: string };

export type OnceOutcome =
    | { kind: 'replayed'; status: number; body: unknown }
    | KeyRejection
    | { kind: 'inProgress'; message: string }
    | { kind: 'unavailable'; message: string; detail: string };

/** The sender who signed the request, or this for unsigned requests (the key is then shared by all of the route's senders). */
export const unsignedSender = '-';

/** Visible ASCII, as the Idempotency-Key draft and Standard Webhooks' msg_… ids use; 255 keeps the Table entity small. */
const keyPattern = /^[\x21-\x7e]{1,255}$/;

/**
 * The request's key from `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) or Standard Webhooks'
 * `webhook-id` (the signed one wins when both are sent), or undefined when it has neither.
 */
export function readRequestKey(
    headers: Record<string, string>,
    route: string,
    sender: string,
    body: Uint8Array,
): RequestKey | KeyRejection | undefined {
    const name = headers['webhook-id'] !== undefined ? 'webhook-id' : 'idempotency-key';
    const id = headers[name];
    if (id === undefined) return undefined;
    if (!keyPattern.test(id)) {
        return {
            kind: 'rejected',
            status: 400,
            code: 'InvalidIdempotencyKey',
            message: `${name} must be 1 to 255 visible ASCII characters`,
        };
    }
    const fingerprint = createHash('sha256').update(body).digest('base64');
    return { kind: 'key', scope: `request:${route}:${sender}`, id, fingerprint };
}

/**
 * Runs `commit` once per key: the first request claims the key (an insert-if-absent, so of two instances racing on
 * one key only one commits), a retry with the same body within the retention is answered what the first was and
 * commits nothing, a retry with another body gets 422, and one that arrives while the first is still committing
 * gets 409 (inProgress). What happens to the key when the commit does not succeed is `toAnswer`'s KeyOutcome; a
 * commit that throws keeps the claim, as nobody knows how far it got.
 */
export async function commitOnce<T>(
    store: IdempotencyStore,
    key: RequestKey | undefined,
    commit: (identity?: CommitIdentity) => Promise<T>,
    toAnswer: (outcome: T) => KeyOutcome,
    onUnrecorded: (error: unknown) => void,
): Promise<T | OnceOutcome> {
    if (key === undefined) return commit();
    const ingestionId = randomUUID();
    let claimed;
    try {
        claimed = await store.claim(key.scope, key.id, key.fingerprint, ingestionId);
    } catch (error) {
        return {
            kind: 'unavailable',
            message: 'Storage is unavailable, nothing was enqueued; retry later',
            detail: (error as Error).message,
        };
    }
    if (claimed.kind !== 'claimed' && claimed.fingerprint !== undefined && claimed.fingerprint !== key.fingerprint) {
        return {
            kind: 'rejected',
            status: 422,
            code: 'IdempotencyKeyReused',
            message: 'This idempotency key was already used with a different body; send a new key for new rows',
        };
    }
    if (claimed.kind === 'committed') {
        const answer = JSON.parse(claimed.result) as StoredAnswer;
        return { kind: 'replayed', status: answer.status, body: answer.body };
    }
    if (claimed.kind === 'inProgress') {
        return {
            kind: 'inProgress',
            message: 'A request with this idempotency key is still being committed; retry shortly',
        };
    }
    const identity: CommitIdentity =
        claimed.earlierIngestionId !== undefined
            ? { ingestionId: claimed.earlierIngestionId, resent: true }
            : { ingestionId, resent: false };
    const outcome = await commit(identity);
    const answer = toAnswer(outcome);
    if (answer === 'keep') return outcome;
    if (answer === 'release') {
        // A resent claim is not given up: its id may be enqueued, so a later retry must take it over with the same id.
        if (!identity.resent) await store.release(claimed.claim).catch(() => undefined);
        return outcome;
    }
    try {
        await store.complete(claimed.claim, JSON.stringify(answer));
    } catch (error) {
        // The rows are enqueued either way; the claim stays pending, so a retry within 60 s gets 409 and a later one
        // takes it over and enqueues again under the same ingestion id, which the push ledger deduplicates.
        onUnrecorded(error);
    }
    return outcome;
}
