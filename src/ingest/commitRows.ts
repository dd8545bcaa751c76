import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DatasetConfig, TableConfig } from '../config/relayConfig';
import type { RowsBlobs } from '../queue/rowsBlobs';
import { toInlineQueueText, toQueueText, type RowsEnvelope } from '../queue/rowsMessage';
import type { RowsQueue } from '../queue/rowsQueue';
import { validateRows, type Row, type RowError, type RowsValidation } from './validateRows';

export interface CommitDeps {
    queue: RowsQueue;
    blobs: RowsBlobs;
    now?: () => Date;
    newId?: () => string;
}

export type CommitOutcome =
    | { kind: 'accepted'; ingestionId: string; rows: number; claimCheck: boolean; droppedColumns: string[] }
    | {
          kind: 'rejected';
          status: 400;
          code: 'InvalidRows';
          message: string;
          rowErrors: RowError[];
          invalidRows: number;
      }
    /** `detail` is the Storage error, for the log only: it names the storage host. */
    | { kind: 'unavailable'; message: string; detail: string };

/** Rows validated between two turns of the event loop, so a 10,000-row request does not hold up small ones. */
const rowsPerSlice = 1_000;
/** Keeps an error response readable when a sender posts thousands of bad rows (as validateRows does per call). */
const maxReportedErrors = 1_000;

/** validateRows over slices of the rows, yielding to the event loop between slices. */
async function validateInSlices(table: TableConfig, rows: readonly unknown[]): Promise<RowsValidation> {
    if (rows.length <= rowsPerSlice) return validateRows(table, rows);
    const valid: Row[] = [];
    const errors: RowError[] = [];
    const dropped = new Set<string>();
    let invalidRows = 0;
    for (let first = 0; first < rows.length; first += rowsPerSlice) {
        if (first > 0) await yieldToEventLoop();
        const slice = validateRows(table, rows.slice(first, first + rowsPerSlice));
        if (slice.ok) {
            if (invalidRows === 0) for (const row of slice.rows) valid.push(row);
            for (const name of slice.droppedColumns) dropped.add(name);
        } else {
            invalidRows += slice.invalidRows;
            for (const error of slice.errors) {
                if (errors.length < maxReportedErrors) errors.push({ ...error, row: error.row + first });
            }
        }
    }
    return invalidRows === 0
        ? { ok: true, rows: valid, droppedColumns: [...dropped].sort() }
        : { ok: false, errors, invalidRows };
}

/**
 * Validates rows for one table completely, then commits them with a single queue message (rows inline, or in
 * a claim-check blob when too large), so they are enqueued whole or not at all. The webhook and the sources
 * both take this one path.
 */
export async function commitRows(
    dataset: DatasetConfig,
    table: TableConfig,
    rows: readonly unknown[],
    deps: CommitDeps,
): Promise<CommitOutcome> {
    const validation = await validateInSlices(table, rows);
    if (!validation.ok) {
        return {
            kind: 'rejected',
            status: 400,
            code: 'InvalidRows',
            message: `${validation.invalidRows} of ${rows.length} rows are invalid; nothing was enqueued`,
            rowErrors: validation.errors,
            invalidRows: validation.invalidRows,
        };
    }

    const ingestionId = (deps.newId ?? randomUUID)();
    const envelope: RowsEnvelope = {
        version: 1,
        ingestionId,
        dataset: dataset.name,
        table: table.name,
        rowCount: validation.rows.length,
        receivedAt: (deps.now?.() ?? new Date()).toISOString(),
        part: 0,
        attempt: 0,
    };
    // The rows are serialised once: into the message when they fit, otherwise into the claim-check blob.
    const rowsJson = JSON.stringify(validation.rows);
    const inlineText = toInlineQueueText(envelope, rowsJson);
    const claimCheck = inlineText === undefined;
    try {
        if (inlineText === undefined) {
            const blob = `${ingestionId}.json`;
            await deps.blobs.put(blob, rowsJson);
            await deps.queue.sendText(toQueueText({ ...envelope, blob }));
        } else {
            await deps.queue.sendText(inlineText);
        }
    } catch (error) {
        // Nothing was committed: a blob without its message is never read (and expires with the container's lifecycle rule).
        return {
            kind: 'unavailable',
            message: 'Storage is unavailable, nothing was enqueued; retry later',
            detail: (error as Error).message,
        };
    }
    return {
        kind: 'accepted',
        ingestionId,
        rows: validation.rows.length,
        claimCheck,
        droppedColumns: validation.droppedColumns,
    };
}
