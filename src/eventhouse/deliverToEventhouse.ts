import type { RelayConfig } from '../config/relayConfig';
import type { PushLedger } from '../push/pushLedger';
import { mayHaveBeenPushed } from '../push/pushLedger';
import { retryDelaySeconds } from '../push/retryDelay';
import { readMessageRows, type RowsBlobs } from '../queue/rowsBlobs';
import type { RowsMessage } from '../queue/rowsMessage';
import type { PoisonReason, RowsQueue } from '../queue/rowsQueue';
import type { EventhouseClient } from './eventhouseClient';
import { isEventhouseError, type EventhouseFailure } from './eventhouseFailure';
import { eventhouseNames, eventIdColumn, ingestionIdColumn, toEventId } from './kustoTableSchema';
import { splitForIngest } from './splitForIngest';
import { toEventhouseAction } from './toEventhouseAction';

export interface EventhouseDeliverDeps {
    config: RelayConfig;
    /** The client of an Eventhouse query service URI (one per URI, kept). */
    clientFor(queryServiceUri: string): EventhouseClient;
    /** EVENTHOUSE_QUERY_SERVICE_URI, for datasets whose eventhouse names none. */
    defaultQueryServiceUri: string | undefined;
    /** EVENTHOUSE_QUEUE and its poison queue. */
    queue: RowsQueue;
    /** ROWS_QUEUE: where a dual-write dataset's ingestions are forwarded to the push (forwardToPowerBi). */
    rowsQueue: RowsQueue;
    blobs: RowsBlobs;
    /** Parts ingested, per ingestion: a message delivered again skips them. */
    ledger: PushLedger;
    maxAttempts: number;
    retry: { baseSeconds: number; maxSeconds: number };
    /** EVENTHOUSE_MAX_BYTES_PER_INGEST: the MultiJSON bytes of one ingest request (streaming ingestion takes 4 MB). */
    maxBytesPerIngest: number;
    now: () => Date;
}

/** What one invocation did, for its log line. */
export interface EventhouseReport {
    /** Ingest requests sent (a failed one included). */
    calls: number;
    rowsIngested: number;
    /** Parts the ledger already held (a message delivered again). */
    skippedParts: number;
    /** Ingest requests whose outcome was never learnt; their rows are sent again, the dedup view keeps one of each. */
    unknownOutcomes: number;
    rescheduled?: { reason: 'throttled' | 'retry'; delaySeconds: number; attempt: number };
    poisoned?: PoisonReason;
    /** Rows of the poisoned message from its first part not ingested. */
    poisonedRows: number;
    lastFailure?: EventhouseFailure;
}

/**
 * Ingests one table's queued ingestion into its Kusto table by streaming ingestion, in parts of at most 4 MB of
 * MultiJSON, each row carrying `EventId` (`<ingestionId>:<row index>`, the same on every delivery) and `IngestionId`.
 * Each ingested part is recorded in the sink's own ledger and the message's `part` moves past it, so a retry sends
 * only what is missing. An outcome never learnt (timeout, dropped connection, a 5xx after the rows were committed) is
 * retried like a transient failure: the rows may then be in the raw table twice, and the dedup view, which Power BI
 * reads, keeps one row per EventId. Failures of Storage are thrown: the host delivers the message again.
 */
export async function deliverToEventhouse(
    message: RowsMessage,
    deps: EventhouseDeliverDeps,
    received: { dequeueCount: number },
): Promise<EventhouseReport> {
    const report: EventhouseReport = {
        calls: 0,
        rowsIngested: 0,
        skippedParts: 0,
        unknownOutcomes: 0,
        poisonedRows: 0,
    };
    const poison = async (reason: Omit<PoisonReason, 'at'>, fromRow: number) => {
        report.poisoned = { ...reason, at: deps.now().toISOString() };
        report.poisonedRows = message.rowCount - fromRow;
        // Marked forwarded: the push had its copy before this sink took the message (deliverEventhouseMessage), so a
        // replay sends the rows to the Eventhouse alone. The host's own poison copies (a forward that kept failing)
        // have no mark: their replay forwards, and the push's ledger keeps a copy it already pushed from going twice.
        await deps.queue.sendPoison({ ...message, forwarded: true }, report.poisoned);
    };
    const dataset = deps.config.datasets.find((candidate) => candidate.name === message.dataset);
    const queryServiceUri = dataset?.eventhouse?.queryServiceUri ?? deps.defaultQueryServiceUri;
    if (!dataset?.eventhouse || !dataset.tables.some((table) => table.name === message.table)) {
        await poison({ message: `No eventhouse sink for ${message.dataset}/${message.table} in the config` }, 0);
        return report;
    }
    if (queryServiceUri === undefined) {
        await poison(
            {
                message: `Dataset "${message.dataset}" names no eventhouse queryServiceUri and EVENTHOUSE_QUERY_SERVICE_URI is not set`,
            },
            0,
        );
        return report;
    }
    // Exact numbers (digit strings in the queue) become LosslessNumbers, sent as JSON numbers with their digits.
    const read = await readMessageRows(message, deps.blobs);
    if (read.kind === 'missing') {
        await poison({ message: read.reason }, 0);
        return report;
    }
    const rows = read.rows.map((row, index) => ({
        [eventIdColumn]: toEventId(message.ingestionId, index),
        ...row,
        [ingestionIdColumn]: message.ingestionId,
    }));
    const parts = splitForIngest(rows, deps.maxBytesPerIngest);
    const ingested = mayHaveBeenPushed(message, received.dequeueCount)
        ? (await deps.ledger.partsOf(message.ingestionId)).pushed
        : new Set<number>();
    const names = eventhouseNames(dataset, message.table);
    const client = deps.clientFor(queryServiceUri);
    let firstRow = 0;
    for (const [part, partRows] of parts.entries()) {
        const fromRow = firstRow;
        firstRow += partRows.length;
        if (part < message.part) continue;
        if (ingested.has(part)) {
            report.skippedParts += 1;
            continue;
        }
        report.calls += 1;
        try {
            await client.ingest(dataset.eventhouse.database, names.table, names.mapping, partRows, {
                clientRequestId: `pbi-relay;${message.ingestionId};${part}`,
            });
        } catch (error) {
            if (!isEventhouseError(error)) throw error;
            const { failure } = error;
            report.lastFailure = failure;
            if (failure.kind === 'outcomeUnknown') report.unknownOutcomes += 1;
            const reason = {
                ...('status' in failure ? { status: failure.status } : {}),
                ...('code' in failure && failure.code ? { code: failure.code } : {}),
                message: `${failure.message} (part ${part} of ${parts.length})`,
                ...('activityId' in failure && failure.activityId ? { requestId: failure.activityId } : {}),
            };
            const action = toEventhouseAction(failure);
            if (action.kind === 'poison') {
                await poison(reason, fromRow);
                return report;
            }
            const attempt = action.kind === 'wait' ? message.attempt : message.attempt + 1;
            if (attempt >= deps.maxAttempts) {
                await poison({ ...reason, message: `Gave up after ${attempt} attempts: ${reason.message}` }, fromRow);
                return report;
            }
            const delaySeconds = action.kind === 'wait' ? action.seconds : retryDelaySeconds(attempt, deps.retry);
            await deps.queue.send({ ...message, part, attempt, requeued: true, forwarded: true }, delaySeconds);
            report.rescheduled = { reason: action.kind === 'wait' ? 'throttled' : 'retry', delaySeconds, attempt };
            return report;
        }
        await deps.ledger.recordParts([{ ingestionId: message.ingestionId, part, rows: partRows.length }]);
        report.rowsIngested += partRows.length;
    }
    if (message.blob) await deps.blobs.delete(message.blob);
    return report;
}
