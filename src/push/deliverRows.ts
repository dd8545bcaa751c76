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
    now?: () => Date;
}

export type DeliveryOutcome =
    | { kind: 'delivered'; rows: number; parts: number; skippedParts: number; requestIds: string[] }
    | { kind: 'rescheduled'; reason: 'throttled' | 'transient' | 'unauthorized'; part: number; attempt: number; delaySeconds: number; failure: PowerBiFailure }
    | { kind: 'poisoned'; reason: PoisonReason };

/**
 * Pushes one queued ingestion to Power BI in parts of at most maxRowsPerPost rows. Nothing is dropped:
 * a throttled part is rescheduled after Retry-After without spending an attempt, transient failures are
 * rescheduled with back-off until maxAttempts, and what can never succeed goes to the poison queue with
 * the service's answer. Failures of Storage itself are thrown, so the host retries the message.
 */
export async function deliverRows(message: RowsMessage, deps: DeliverDeps): Promise<DeliveryOutcome> {
    const now = () => (deps.now?.() ?? new Date()).toISOString();
    const poison = async (failure: Omit<PoisonReason, 'at'>): Promise<DeliveryOutcome> => {
        const reason = { ...failure, at: now() };
        await deps.queue.sendPoison(message, reason);
        return { kind: 'poisoned', reason };
    };

    const partCount = Math.ceil(message.rowCount / deps.maxRowsPerPost);
    const pushed = await deps.ledger.pushedParts(message.ingestionId);
    const pending = Array.from({ length: partCount }, (_, part) => part).filter((part) => part >= message.part && !pushed.has(part));
    const skippedParts = partCount - message.part - pending.length;
    if (pending.length === 0) {
        if (message.blob) await deps.blobs.delete(message.blob);
        return { kind: 'delivered', rows: 0, parts: 0, skippedParts, requestIds: [] };
    }

    const rows = message.rows ?? (message.blob ? await deps.blobs.get(message.blob) : undefined);
    if (!rows) {
        return poison({ message: `The claim-check blob ${message.blob} is missing; its rows cannot be pushed` });
    }
    if (rows.length !== message.rowCount) {
        return poison({ message: `The message announces ${message.rowCount} rows but carries ${rows.length}` });
    }

    const requestIds: string[] = [];
    let rowsPushed = 0;
    for (const part of pending) {
        const target = await deps.resolver.resolve(message.dataset, message.table);
        // Finding or creating the dataset failed for good (e.g. a same-named dataset that is not a push dataset).
        if (!target.ok && target.failure.kind === 'permanent') return poisonFor(target.failure);
        const failure = target.ok ? await pushPart(part, target) : target.failure;
        if (failure) return handleFailure(part, failure);
    }
    if (message.blob) await deps.blobs.delete(message.blob);
    return { kind: 'delivered', rows: rowsPushed, parts: pending.length, skippedParts, requestIds };

    async function pushPart(part: number, target: { workspaceId: string; datasetId: string }): Promise<PowerBiFailure | undefined> {
        const partRows = rows!.slice(part * deps.maxRowsPerPost, (part + 1) * deps.maxRowsPerPost);
        const result = await deps.client.postRows(target.workspaceId, target.datasetId, message.table, partRows);
        if (!result.ok) {
            // The dataset or table may have been deleted behind our back: look it up (and create it) again next time.
            if (result.failure.status === 404) deps.resolver.forget(message.dataset);
            return result.failure;
        }
        if (result.requestId) requestIds.push(result.requestId);
        rowsPushed += partRows.length;
        await deps.ledger.recordPart(message.ingestionId, part, { rows: partRows.length, requestId: result.requestId });
        return undefined;
    }

    function poisonFor({ status, code, message: text, requestId }: PowerBiFailure): Promise<DeliveryOutcome> {
        return poison({ status, code, message: text, requestId });
    }

    async function handleFailure(part: number, failure: PowerBiFailure): Promise<DeliveryOutcome> {
        const { status, code, message: text, requestId } = failure;
        // A 404 on Add Rows usually means the dataset or table was deleted since we looked it up: it is looked up
        // (and created) again on the next attempt. "Not Push API dataset" can never succeed.
        const isNotPush = status === 404 && /not Push API dataset/i.test(text);
        if (failure.kind === 'permanent' && (status !== 404 || isNotPush)) return poisonFor(failure);
        if (failure.kind === 'throttled') {
            const delaySeconds = failure.retryAfterSeconds;
            await deps.queue.send({ ...message, part }, delaySeconds);
            return { kind: 'rescheduled', reason: 'throttled', part, attempt: message.attempt, delaySeconds, failure };
        }
        const attempt = message.attempt + 1;
        if (attempt >= deps.maxAttempts) {
            return poisonFor({ ...failure, message: `Gave up after ${attempt} attempts: ${text}` });
        }
        const delaySeconds = retryDelaySeconds(attempt, deps.retry, failure.kind === 'transient' ? failure.retryAfterSeconds : 0);
        await deps.queue.send({ ...message, part, attempt }, delaySeconds);
        const reason = failure.kind === 'unauthorized' ? 'unauthorized' : 'transient';
        return { kind: 'rescheduled', reason, part, attempt, delaySeconds, failure };
    }
}
