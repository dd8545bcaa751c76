import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DatasetConfig, TableConfig } from '../config/relayConfig';
import type { RowsBlobs } from '../queue/rowsBlobs';
import {
    toInlineQueueText,
    toQueueText,
    toTablesQueueText,
    type RowsEnvelope,
    type TableRowsText,
    type TablesEnvelope,
} from '../queue/rowsMessage';
import type { RowsQueue } from '../queue/rowsQueue';
import type { Row } from '../queue/row';
import type { CommitIdentity } from './commitOnce';
import { countAcceptedRows } from '../telemetry/relayMetrics';
import { validateRows, type RowError, type RowsValidation } from './validateRows';

export interface CommitDeps {
    queue: RowsQueue;
    /**
     * EVENTHOUSE_QUEUE: where a dataset whose sinks include eventhouse commits its rows (the Eventhouse sink forwards
     * a copy to the rows queue when the dataset also has the powerBi sink: forwardToPowerBi).
     */
    eventhouseQueue: RowsQueue;
    blobs: RowsBlobs;
    now?: () => Date;
    newId?: () => string;
}

export type CommitOutcome =
    | {
          kind: 'accepted';
          ingestionId: string;
          rows: number;
          claimCheck: boolean;
          droppedColumns: string[];
          /** The rows each given table got, in the order given. */
          tables: { table: string; rows: number }[];
      }
    | {
          kind: 'rejected';
          status: 400;
          code: 'InvalidRows';
          message: string;
          rowErrors: CommitRowError[];
          invalidRows: number;
      }
    /**
     * `detail` is the Storage error, for the log only: it names the storage host. `mayBeEnqueued`: Storage failed
     * during the send, which it may have stored all the same (false: it failed before, and nothing was enqueued).
     */
    | { kind: 'unavailable'; message: string; detail: string; mayBeEnqueued: boolean };

/**
 * What an outcome that was not accepted means for a request key (commitOnce): kept while the rows may be enqueued,
 * so a retry enqueues under the same id; given up when nothing was enqueued for certain.
 */
export const keyOutcomeOfRefusal = (outcome: { kind: string; mayBeEnqueued?: boolean }): 'keep' | 'release' =>
    outcome.kind === 'unavailable' && outcome.mayBeEnqueued === true ? 'keep' : 'release';

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
    const exact = new Set<string>();
    let invalidRows = 0;
    for (let first = 0; first < rows.length; first += rowsPerSlice) {
        if (first > 0) await yieldToEventLoop();
        const slice = validateRows(table, rows.slice(first, first + rowsPerSlice));
        if (slice.ok) {
            if (invalidRows === 0) for (const row of slice.rows) valid.push(row);
            for (const name of slice.droppedColumns) dropped.add(name);
            for (const name of slice.exactColumns) exact.add(name);
        } else {
            invalidRows += slice.invalidRows;
            for (const error of slice.errors) {
                if (errors.length < maxReportedErrors) errors.push({ ...error, row: error.row + first });
            }
        }
    }
    return invalidRows === 0
        ? { ok: true, rows: valid, droppedColumns: [...dropped].sort(), exactColumns: [...exact].sort() }
        : { ok: false, errors, invalidRows };
}

/** The rows a request gives one table of the dataset. */
export interface TableRows {
    table: TableConfig;
    rows: readonly unknown[];
}

/** A rejected row; `table` names its table when the request gave rows to several. */
export type CommitRowError = RowError & { table?: string };

/** A table's valid rows, and the columns where they hold exact numbers (as strings of their digits). */
interface ValidTable {
    table: TableConfig;
    rows: Row[];
    exactColumns: string[];
}

/**
 * Validates the rows of every table completely, then commits them with a single queue message, so they are
 * enqueued whole or not at all: one table's rows as a version 1 message, several tables' as a version 2 message
 * (tables given no rows are left out), or versions 3 and 4 when rows hold exact numbers. Under a request key the
 * ingestion id is the key's (commitOnce), or the one a source derives from its event ids; a several-table message needs no requeued mark (its children always have it). Rows travel inline, or in claim-check blobs when too large. The webhook and
 * the sources both take this one path. Given several tables, row errors and dropped columns name their table.
 */
export async function commitRows(
    dataset: DatasetConfig,
    tables: readonly TableRows[],
    deps: CommitDeps,
    identity?: CommitIdentity,
): Promise<CommitOutcome> {
    const named = tables.length > 1;
    const validated: ValidTable[] = [];
    const rowErrors: CommitRowError[] = [];
    const dropped: string[] = [];
    const invalid: string[] = [];
    let invalidRows = 0;
    for (const { table, rows } of tables) {
        const validation = await validateInSlices(table, rows);
        if (!validation.ok) {
            invalidRows += validation.invalidRows;
            invalid.push(`table "${table.name}": ${validation.invalidRows} of ${rows.length}`);
            for (const error of validation.errors) {
                if (rowErrors.length < maxReportedErrors)
                    rowErrors.push(named ? { table: table.name, ...error } : error);
            }
            continue;
        }
        if (invalidRows === 0 && validation.rows.length > 0)
            validated.push({ table, rows: validation.rows, exactColumns: validation.exactColumns });
        dropped.push(...validation.droppedColumns.map((name) => (named ? `${table.name}.${name}` : name)));
    }
    if (invalidRows > 0) {
        const total = tables.reduce((sum, { rows }) => sum + rows.length, 0);
        return {
            kind: 'rejected',
            status: 400,
            code: 'InvalidRows',
            message: `${invalidRows} of ${total} rows are invalid${named ? ` (${invalid.join(', ')})` : ''}; nothing was enqueued`,
            rowErrors,
            invalidRows,
        };
    }

    const ingestionId = identity?.ingestionId ?? (deps.newId ?? randomUUID)();
    const receivedAt = (deps.now?.() ?? new Date()).toISOString();
    const rowCount = validated.reduce((sum, { rows }) => sum + rows.length, 0);
    const accepted = (claimCheck: boolean): CommitOutcome => {
        for (const entry of validated)
            countAcceptedRows({ dataset: dataset.name, table: entry.table.name }, entry.rows.length);
        return {
            kind: 'accepted',
            ingestionId,
            rows: rowCount,
            claimCheck,
            droppedColumns: dropped,
            tables: tables.map(({ table }) => ({
                table: table.name,
                rows: validated.find((entry) => entry.table === table)?.rows.length ?? 0,
            })),
        };
    };
    const queue = dataset.sinks.includes('eventhouse') ? deps.eventhouseQueue : deps.queue;
    let message: { text: string; claimCheck: boolean };
    try {
        message = await toCommitMessage(validated, {
            ingestionId,
            dataset: dataset.name,
            rowCount,
            receivedAt,
            requeued: identity !== undefined,
            blobs: deps.blobs,
        });
    } catch (error) {
        // Nothing was committed: a blob without its message is never read (and expires with the container's lifecycle rule).
        return {
            kind: 'unavailable',
            message: 'Storage is unavailable, nothing was enqueued; retry later',
            detail: (error as Error).message,
            mayBeEnqueued: false,
        };
    }
    try {
        await queue.sendText(message.text);
    } catch (error) {
        // A send that failed without an answer (a timeout, a dropped connection) may have been stored all the same.
        return {
            kind: 'unavailable',
            message:
                'Storage did not confirm the enqueue, so the rows may or may not be enqueued; retry later (under the same Idempotency-Key or webhook-id, or, for a source, with the identical body and the same event ids, they are enqueued once)',
            detail: (error as Error).message,
            mayBeEnqueued: true,
        };
    }
    return accepted(message.claimCheck);
}

/**
 * The one queue message of a commit. One table's rows are a version 1 message (3 with exact numbers), serialised
 * once: into the message when they fit, otherwise into the claim-check blob `<ingestionId>.json`. Several tables'
 * rows are a version 2 (or 4) message.
 */
async function toCommitMessage(
    validated: readonly ValidTable[],
    commit: {
        ingestionId: string;
        dataset: string;
        rowCount: number;
        receivedAt: string;
        requeued: boolean;
        blobs: RowsBlobs;
    },
): Promise<{ text: string; claimCheck: boolean }> {
    const { ingestionId, dataset, rowCount, receivedAt, blobs } = commit;
    if (validated.length > 1) {
        const version = validated.some((entry) => entry.exactColumns.length > 0) ? 4 : 2;
        return toTablesMessage({ version, ingestionId, dataset, receivedAt }, validated, blobs);
    }
    const [{ table, rows, exactColumns }] = validated as [ValidTable];
    const envelope: RowsEnvelope = {
        ...(exactColumns.length > 0 ? { version: 3 as const, exactColumns } : { version: 1 as const }),
        ingestionId,
        dataset,
        table: table.name,
        rowCount,
        receivedAt,
        part: 0,
        attempt: 0,
        // Under a key, another copy may come under the same id (a taken-over claim, delivered before or after
        // this one), so whichever comes second finds the first's parts in the ledger: the push asks it first.
        ...(commit.requeued ? { requeued: true as const } : {}),
    };
    const rowsJson = JSON.stringify(rows);
    const inlineText = toInlineQueueText(envelope, rowsJson);
    if (inlineText !== undefined) return { text: inlineText, claimCheck: false };
    const blob = `${ingestionId}.json`;
    await blobs.put(blob, rowsJson);
    return { text: toQueueText({ ...envelope, blob }), claimCheck: true };
}

/**
 * The version 2 (or 4) message of several tables' rows; when they do not fit inline, the largest tables' rows
 * move into claim-check blobs (`<ingestionId>.<i>.json`, one per table, which the table's fanned-out message
 * keeps) until the message fits.
 */
async function toTablesMessage(
    envelope: TablesEnvelope,
    tables: readonly ValidTable[],
    blobs: RowsBlobs,
): Promise<{ text: string; claimCheck: boolean }> {
    const entries: TableRowsText[] = tables.map(({ table, rows, exactColumns }) => ({
        table: table.name,
        rowCount: rows.length,
        ...(exactColumns.length > 0 && { exactColumns }),
        rowsJson: JSON.stringify(rows),
    }));
    const largestFirst = entries
        .map((entry, index) => ({ index, chars: 'rowsJson' in entry ? entry.rowsJson.length : 0 }))
        .sort((a, b) => b.chars - a.chars);
    const puts: Promise<void>[] = [];
    let text = toTablesQueueText(envelope, entries);
    for (const { index } of largestFirst) {
        if (text !== undefined) break;
        const entry = entries[index]!;
        if (!('rowsJson' in entry)) continue;
        const blob = `${envelope.ingestionId}.${index}.json`;
        puts.push(blobs.put(blob, entry.rowsJson));
        const { table, rowCount, exactColumns } = entry;
        entries[index] = { table, rowCount, ...(exactColumns && { exactColumns }), blob };
        text = toTablesQueueText(envelope, entries);
    }
    await Promise.all(puts);
    // With every table's rows in a blob the message is names only: 75 tables of 100 characters fit in 61 KiB.
    return { text: text!, claimCheck: puts.length > 0 };
}
