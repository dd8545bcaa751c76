import { createHash } from 'node:crypto';
import type { DatasetConfig, RelayConfig, TableConfig } from '../../config/relayConfig';
import type { SourceConfig } from '../../config/sourceSchema';
import { commitRows, keyOutcomeOfRefusal, type CommitOutcome } from '../commitRows';
import { commitOnce, readRequestKey, unsignedSender, type CommitIdentity, type OnceOutcome } from '../commitOnce';
import type { Claim } from '../idempotencyStore';
import { quoteName, type IngestDeps } from '../ingestRows';
import { readJsonBody, type JsonBody, type JsonBodyRejection, type JsonBodyRequest } from '../readJsonBody';
import { toAcceptedBody } from '../toResponseBody';
import { verifyWebhookSignature, type WebhookSignatureCheck } from '../verifyWebhookSignature';
import { mapSourceEvents, type MappedEvent, type MappingRejection } from './mapSourceEvents';
import { toSourcePayload } from './toSourcePayload';
import { verifySignature, type SignatureCheck } from './verifySignature';
import { withPlainNumbers } from './withPlainNumbers';

/** The request's headers (lower-case names) are what the mapping sees as $headers. */
export interface SourceRequest extends JsonBodyRequest {
    source: string;
}

export interface SourceDeps extends IngestDeps {
    /** The signing secret of each source with a github or stripe `signature`, by source name (its `secretSetting`). */
    signingSecrets: Record<string, string>;
}

/** How many events a request carried, how many the filter skipped and how many were already committed. */
export interface EventCounts {
    events: number;
    filtered: number;
    duplicates: number;
}

export type SourceOutcome =
    | (Extract<CommitOutcome, { kind: 'accepted' }> & EventCounts & { unrecordedClaims: number })
    | ({ kind: 'nothingToCommit' } & EventCounts)
    | { kind: 'eventGridValidation'; validationCode: string }
    | Exclude<CommitOutcome, { kind: 'accepted' }>
    | JsonBodyRejection
    | MappingRejection
    | { kind: 'rejected'; status: 404 | 415; code: string; message: string }
    | Exclude<SignatureCheck, { kind: 'valid' }>
    | Exclude<WebhookSignatureCheck, { kind: 'verified' }>
    | OnceOutcome;

export function findSource(config: RelayConfig, name: string): SourceConfig | undefined {
    return config.sources.find((source) => source.name === name);
}

/** Claims in flight at once, so a large batch does not open thousands of Table storage requests together. */
const claimConcurrency = 16;

/** Keeps the first event of each id; later ones in the same request are duplicates. */
function withoutRepeats(events: MappedEvent[]): MappedEvent[] {
    const seen = new Set<string>();
    return events.filter((event) => {
        if (event.id === undefined) return true;
        if (seen.has(event.id)) return false;
        seen.add(event.id);
        return true;
    });
}

/**
 * Accepts one request of a configured source: checks its envelope (plain JSON, CloudEvents or Event Grid),
 * answers Event Grid's validation handshake, maps each event to rows with the source's JSONata, skips
 * events already committed (by source and event id), and commits the rest, the rows of all the source's
 * tables together, whole or not at all with one queue message (commitRows, the webhook's own path).
 */
export async function ingestSource(
    request: SourceRequest,
    deps: SourceDeps,
    onUnrecordedKey: (error: unknown) => void = () => undefined,
): Promise<SourceOutcome> {
    const source = findSource(deps.config, request.source);
    if (source === undefined) {
        const known = deps.config.sources.map((s) => s.name).join(', ') || 'none';
        return {
            kind: 'rejected',
            status: 404,
            code: 'SourceNotFound',
            message: `Source ${quoteName(request.source)} is not configured (configured: ${known}; names are case-sensitive)`,
        };
    }
    // The config schema checked that the source's dataset and tables exist.
    const dataset = deps.config.datasets.find((d) => d.name === source.dataset)!;
    const tables = source.tables.map(({ table }) => dataset.tables.find((t) => t.name === table)!);

    const body = await readJsonBody(request, deps.maxBodyBytes);
    if (body.kind === 'rejected') return body;
    let sender = unsignedSender;
    if (source.signature?.scheme === 'standardwebhooks') {
        const allowed = source.signature.senders;
        const check = verifyWebhookSignature(
            deps.webhookSenders.filter((s) => allowed.includes(s.name)),
            request.headers,
            body.bytes,
        );
        if (check.kind === 'rejected') return check;
        sender = check.sender;
    } else if (source.signature !== undefined) {
        const secret = deps.signingSecrets[source.name];
        const check =
            secret === undefined
                ? ({
                      kind: 'rejected',
                      status: 401,
                      code: 'InvalidSignature',
                      message: `No signing secret is configured for source "${source.name}"`,
                  } as const)
                : verifySignature(source.signature.scheme, secret, request.headers, body.bytes);
        if (check.kind === 'rejected') return check;
    }
    const key = readRequestKey(request.headers, `source:${source.name}`, sender, body.bytes);
    if (key?.kind === 'rejected') return key;
    return commitOnce(
        deps.idempotency,
        key,
        (identity) => commitEvents(source, dataset, tables, request, body, deps, identity),
        (outcome) => {
            if (outcome.kind === 'accepted') {
                const { events, filtered, duplicates } = outcome;
                return { status: 202, body: { ...toAcceptedBody(outcome), events, filtered, duplicates } };
            }
            if (outcome.kind !== 'nothingToCommit') return keyOutcomeOfRefusal(outcome);
            const { events, filtered, duplicates } = outcome;
            return { status: 200, body: { rows: 0, events, filtered, duplicates } };
        },
        onUnrecordedKey,
    );
}

/** The source's events mapped to rows and committed, each event id at most once (the event ids' own claims). */
async function commitEvents(
    source: SourceConfig,
    dataset: DatasetConfig,
    tables: readonly TableConfig[],
    request: SourceRequest,
    body: Extract<JsonBody, { kind: 'json' }>,
    deps: SourceDeps,
    identity: CommitIdentity | undefined,
): Promise<SourceOutcome> {
    // JSONata computes in doubles; the exact numbers are given back to the rows it maps (withPlainNumbers).
    const plain = body.exactNumbers ? withPlainNumbers(body.json) : undefined;
    const payload = toSourcePayload(
        source,
        {
            contentType: request.headers['content-type'] ?? null,
            eventGridEventType: request.headers['aeg-event-type'] ?? null,
        },
        plain?.json ?? body.json,
    );
    if (payload.kind !== 'events') return payload;
    const mapped = await mapSourceEvents(source, payload.events, request.headers);
    if (mapped.kind === 'rejected') return mapped;

    const unique = withoutRepeats(mapped.events);
    const scope = `source:${source.name}`;
    const claims: Claim[] = [];
    const releaseAll = () => Promise.allSettled(claims.map((claim) => deps.idempotency.release(claim)));
    const committed = new Set<MappedEvent>();
    let inProgress = false;
    try {
        for (let start = 0; start < unique.length && !inProgress; start += claimConcurrency) {
            const settled = await Promise.allSettled(
                unique.slice(start, start + claimConcurrency).map(async (event) => {
                    if (event.id === undefined) return;
                    const result = await deps.idempotency.claim(scope, event.id);
                    if (result.kind === 'claimed') claims.push(result.claim);
                    else if (result.kind === 'committed') committed.add(event);
                    else inProgress = true;
                }),
            );
            const failed = settled.find((result) => result.status === 'rejected');
            if (failed) throw failed.reason;
        }
    } catch (error) {
        await releaseAll();
        return {
            kind: 'unavailable',
            message: 'Storage is unavailable, nothing was enqueued; retry later',
            detail: (error as Error).message,
            mayBeEnqueued: false,
        };
    }
    if (inProgress) {
        await releaseAll();
        return {
            kind: 'inProgress',
            message: `Another request of source "${source.name}" is committing one of these events; retry shortly`,
        };
    }
    const fresh = unique.filter((event) => !committed.has(event));
    const duplicates = mapped.events.length - fresh.length;

    const counts: EventCounts = { events: payload.events.length, filtered: mapped.filtered, duplicates };
    const rows = tables.map((table, index) => {
        const mapped = fresh.flatMap((event) => event.tables[index]!);
        return { table, rows: plain ? plain.restore(mapped) : mapped };
    });
    const outcome: CommitOutcome | { kind: 'nothingToCommit' } = rows.every((entry) => entry.rows.length === 0)
        ? { kind: 'nothingToCommit' }
        : await commitRows(dataset, rows, deps, identity ?? toEventsIdentity(scope, fresh, body.bytes));
    if (outcome.kind === 'rejected' || outcome.kind === 'unavailable') {
        // Kept while the rows may be enqueued: the sender's retry takes the claims over once they are stale (60 s)
        // and enqueues the same events under the same id (toEventsIdentity), of which the push keeps one copy.
        if (keyOutcomeOfRefusal(outcome) === 'release') await releaseAll();
        return outcome.kind === 'rejected'
            ? { ...outcome, message: `Source "${source.name}": ${outcome.message}` }
            : outcome;
    }
    const result = outcome.kind === 'accepted' ? outcome.ingestionId : '';
    const recorded = await Promise.allSettled(claims.map((claim) => deps.idempotency.complete(claim, result)));
    if (outcome.kind === 'nothingToCommit') return { ...outcome, ...counts };
    return { ...outcome, ...counts, unrecordedClaims: recorded.filter((r) => r.status === 'rejected').length };
}

/**
 * The ingestion id of a commit of events with ids and no request key, derived from the source, the ids of the events
 * it commits and the body: a retry of the same request after a 503 that may have enqueued it enqueues under the same
 * id, and since the message is marked requeued (commitRows, as under a request key), the push ledger lets one copy
 * through, whichever it takes first. Another body or another set of fresh events (some committed meanwhile) gets
 * another id, so rows that differ never share one (the ledger would take one for the other). Undefined when no event
 * has an id: the same body sent twice is then two requests.
 */
function toEventsIdentity(scope: string, fresh: readonly MappedEvent[], bytes: Uint8Array): CommitIdentity | undefined {
    const ids = fresh.flatMap((event) => (event.id === undefined ? [] : [event.id]));
    if (ids.length === 0) return undefined;
    const hex = createHash('sha256')
        .update(JSON.stringify([scope, ids]))
        .update(bytes)
        .digest('hex');
    // UUID-shaped (version 8, RFC 9562's custom layout), like the random ids of other commits.
    const ingestionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    return { ingestionId, resent: false };
}
