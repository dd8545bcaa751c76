import type { PowerBiClient } from '../powerbi/powerBiClient';
import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import type { RowsBlobs } from '../queue/rowsBlobs';
import type { RowsMessage } from '../queue/rowsMessage';
import type { PoisonReason, RowsQueue } from '../queue/rowsQueue';
import type { DatasetResolver } from './datasetResolver';
import type { PushLedger } from './pushLedger';
import { retryDelaySeconds } from './retryDelay';

export interface DeliverDeps {
    client: PowerBiClient;
    resolver: DatasetResolver;
    queue: RowsQueue;
    blobs: RowsBlobs;
    ledger: PushLedger;
    maxRowsPerPost: number;
    maxAttempts: number;
    retry: { baseSeconds: number; maxSeconds: number };
    /** How many more small messages one Add Rows call may take along (0 turns coalescing off). */
    coalesceMessages: number;
    now?: () => Date;
}

export type DeliveryOutcome =
    | { kind: 'delivered'; rows: number; parts: number; skippedParts: number; requestIds: string[]; coalesced?: number }
    | {
          kind: 'rescheduled';
          reason: 'throttled' | 'transient' | 'unauthorized';
          part: number;
          attempt: number;
          delaySeconds: number;
          failure: PowerBiFailure;
      }
    | { kind: 'poisoned'; reason: PoisonReason };

/**
 * Pushes one queued ingestion to Power BI in parts of at most maxRowsPerPost rows. Nothing is dropped:
 * a throttled part is rescheduled after Retry-After without spending an attempt, transient failures are
 * rescheduled with back-off until maxAttempts, and what can never succeed goes to the poison queue with
 * the service's answer. Failures of Storage itself are thrown, so the host retries the message.
 */
export async function deliverRows(message: RowsMessage, deps: DeliverDeps): Promise<DeliveryOutcome> {
    const partCount = Math.ceil(message.rowCount / deps.maxRowsPerPost);
    const pushed = await deps.ledger.pushedParts(message.ingestionId);
    const pending = Array.from({ length: partCount }, (_, part) => part).filter(
        (part) => part >= message.part && !pushed.has(part),
    );
    const skippedParts = partCount - message.part - pending.length;
    if (pending.length === 0) {
        if (message.blob) await deps.blobs.delete(message.blob);
        return { kind: 'delivered', rows: 0, parts: 0, skippedParts, requestIds: [] };
    }

    const rows = message.rows ?? (message.blob ? await deps.blobs.get(message.blob) : undefined);
    if (!rows) {
        return poisonMessage(
            message,
            { message: `The claim-check blob ${message.blob} is missing; its rows cannot be pushed` },
            deps,
        );
    }
    if (rows.length !== message.rowCount) {
        return poisonMessage(
            message,
            { message: `The message announces ${message.rowCount} rows but carries ${rows.length}` },
            deps,
        );
    }

    const requestIds: string[] = [];
    let rowsPushed = 0;
    for (const part of pending) {
        const partRows = rows.slice(part * deps.maxRowsPerPost, (part + 1) * deps.maxRowsPerPost);
        const posted = await postToPowerBi(message, partRows, deps);
        if (!posted.ok)
            return posted.permanentTarget
                ? poisonMessage(message, posted.failure, deps)
                : settleFailure(message, part, posted.failure, deps);
        if (posted.requestId) requestIds.push(posted.requestId);
        rowsPushed += partRows.length;
        await deps.ledger.recordPart(message.ingestionId, part, { rows: partRows.length, requestId: posted.requestId });
    }
    if (message.blob) await deps.blobs.delete(message.blob);
    return { kind: 'delivered', rows: rowsPushed, parts: pending.length, skippedParts, requestIds };
}

export type PostResult =
    { ok: true; requestId?: string } | { ok: false; failure: PowerBiFailure; permanentTarget: boolean };

/** Resolves the dataset (creating it when missing) and posts rows to its table. */
export async function postToPowerBi(
    message: RowsMessage,
    rows: readonly unknown[],
    deps: DeliverDeps,
): Promise<PostResult> {
    const target = await deps.resolver.resolve(message.dataset, message.table);
    // Finding or creating the dataset failed for good (e.g. a same-named dataset that is not a push dataset).
    if (!target.ok) return { ok: false, failure: target.failure, permanentTarget: target.failure.kind === 'permanent' };
    const result = await deps.client.postRows(target.workspaceId, target.datasetId, message.table, rows);
    if (result.ok) return { ok: true, requestId: result.requestId };
    // The dataset or table may have been deleted since we looked it up: look it up (and create it) again next time.
    if (result.failure.status === 404) deps.resolver.forget(message.dataset);
    return { ok: false, failure: result.failure, permanentTarget: false };
}

/**
 * What happens to a message whose part `part` failed: a throttled part waits Retry-After without spending an
 * attempt; transient and access failures wait with back-off and spend one; what can never succeed is poisoned.
 * A 404 on Add Rows usually means the dataset or table was deleted since it was looked up, so it is retried
 * (and recreated); "not Push API dataset" can never succeed.
 */
export async function settleFailure(
    message: RowsMessage,
    part: number,
    failure: PowerBiFailure,
    deps: DeliverDeps,
): Promise<DeliveryOutcome> {
    const isNotPush = failure.status === 404 && /not Push API dataset/i.test(failure.message);
    if (failure.kind === 'permanent' && (failure.status !== 404 || isNotPush))
        return poisonMessage(message, failure, deps);
    if (failure.kind === 'throttled') {
        const delaySeconds = failure.retryAfterSeconds;
        await deps.queue.send({ ...message, part }, delaySeconds);
        return { kind: 'rescheduled', reason: 'throttled', part, attempt: message.attempt, delaySeconds, failure };
    }
    const attempt = message.attempt + 1;
    if (attempt >= deps.maxAttempts) {
        return poisonMessage(
            message,
            { ...failure, message: `Gave up after ${attempt} attempts: ${failure.message}` },
            deps,
        );
    }
    const delaySeconds = retryDelaySeconds(
        attempt,
        deps.retry,
        failure.kind === 'transient' ? failure.retryAfterSeconds : 0,
    );
    await deps.queue.send({ ...message, part, attempt }, delaySeconds);
    const reason = failure.kind === 'unauthorized' ? 'unauthorized' : 'transient';
    return { kind: 'rescheduled', reason, part, attempt, delaySeconds, failure };
}

async function poisonMessage(
    message: RowsMessage,
    { status, code, message: text, requestId }: Pick<PowerBiFailure, 'message'> & Partial<PowerBiFailure>,
    deps: DeliverDeps,
): Promise<DeliveryOutcome> {
    const reason: PoisonReason = {
        status,
        code,
        message: text,
        requestId,
        at: (deps.now?.() ?? new Date()).toISOString(),
    };
    await deps.queue.sendPoison(message, reason);
    return { kind: 'poisoned', reason };
}
