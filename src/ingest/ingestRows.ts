import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import type { RelayConfig } from '../config/relayConfig';
import type { RowsBlobs } from '../queue/rowsBlobs';
import { toInlineQueueText, toQueueText, type RowsEnvelope } from '../queue/rowsMessage';
import type { RowsQueue } from '../queue/rowsQueue';
import type { TableConfig } from '../config/relayConfig';
import { validateRows, type Row, type RowError, type RowsValidation } from './validateRows';

export interface IngestRequest {
    dataset: string;
    table: string;
    contentType: string | null;
    contentLength: string | null;
    readBody(): Promise<Uint8Array>;
}

export interface IngestDeps {
    config: RelayConfig;
    maxBodyBytes: number;
    queue: RowsQueue;
    blobs: RowsBlobs;
    now?: () => Date;
    newId?: () => string;
}

export type IngestOutcome =
    | { kind: 'accepted'; ingestionId: string; rows: number; claimCheck: boolean }
    | {
          kind: 'rejected';
          status: 400 | 404 | 413 | 415;
          code: string;
          message: string;
          rowErrors?: RowError[];
          invalidRows?: number;
      }
    | { kind: 'unavailable'; message: string };

/** Power BI's Add Rows body, so an existing push client only changes its base URL. */
const addRowsBodySchema = z.strictObject({ rows: z.array(z.unknown()) });

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Rows validated between two turns of the event loop, so a 10,000-row request does not hold up small ones. */
const rowsPerSlice = 1_000;
/** Keeps an error response readable when a sender posts thousands of bad rows (as validateRows does per call). */
const maxReportedErrors = 1_000;

/** validateRows over slices of the rows, yielding to the event loop between slices. */
async function validateInSlices(table: TableConfig, rows: readonly unknown[]): Promise<RowsValidation> {
    if (rows.length <= rowsPerSlice) return validateRows(table, rows);
    const valid: Row[] = [];
    const errors: RowError[] = [];
    let invalidRows = 0;
    for (let first = 0; first < rows.length; first += rowsPerSlice) {
        if (first > 0) await yieldToEventLoop();
        const slice = validateRows(table, rows.slice(first, first + rowsPerSlice));
        if (slice.ok) {
            if (invalidRows === 0) for (const row of slice.rows) valid.push(row);
        } else {
            invalidRows += slice.invalidRows;
            for (const error of slice.errors) {
                if (errors.length < maxReportedErrors) errors.push({ ...error, row: error.row + first });
            }
        }
    }
    return invalidRows === 0 ? { ok: true, rows: valid } : { ok: false, errors, invalidRows };
}

const isJson = (contentType: string | null) =>
    contentType !== null && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim());

/**
 * Accepts one Add Rows request: validates it completely, then commits it with a single queue message
 * (rows inline, or in a claim-check blob when too large), so it is enqueued whole or not at all.
 */
export async function ingestRows(request: IngestRequest, deps: IngestDeps): Promise<IngestOutcome> {
    const datasetConfig = deps.config.datasets.find((d) => d.name === request.dataset);
    if (!datasetConfig) {
        const known = deps.config.datasets.map((d) => d.name).join(', ') || 'none';
        return {
            kind: 'rejected',
            status: 404,
            code: 'DatasetNotFound',
            message: `Dataset "${request.dataset}" is not configured (configured: ${known})`,
        };
    }
    const tableConfig = datasetConfig.tables.find((t) => t.name === request.table);
    if (!tableConfig) {
        const known = datasetConfig.tables.map((t) => t.name).join(', ');
        return {
            kind: 'rejected',
            status: 404,
            code: 'TableNotFound',
            message: `Table "${request.table}" is not part of dataset "${datasetConfig.name}" (tables: ${known}; names are case-sensitive)`,
        };
    }
    if (!isJson(request.contentType)) {
        return {
            kind: 'rejected',
            status: 415,
            code: 'UnsupportedMediaType',
            message: `Content-Type must be application/json, got ${request.contentType ?? 'none'}`,
        };
    }
    const tooLarge = {
        kind: 'rejected',
        status: 413,
        code: 'RequestTooLarge',
        message: `The body is larger than ${deps.maxBodyBytes} bytes (INGEST_MAX_BODY_BYTES); split the rows over several requests`,
    } as const;
    if (request.contentLength !== null && Number(request.contentLength) > deps.maxBodyBytes) return tooLarge;
    const body = await request.readBody();
    if (body.byteLength > deps.maxBodyBytes) return tooLarge;

    let json: unknown;
    try {
        json = JSON.parse(utf8.decode(body));
    } catch (error) {
        return {
            kind: 'rejected',
            status: 400,
            code: 'InvalidJson',
            message: `The body is not valid JSON: ${(error as Error).message}`,
        };
    }
    const parsed = addRowsBodySchema.safeParse(json);
    if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
        return {
            kind: 'rejected',
            status: 400,
            code: 'InvalidBody',
            message: `The body must be {"rows":[...]}: ${issues}`,
        };
    }
    if (parsed.data.rows.length === 0) {
        return { kind: 'rejected', status: 400, code: 'NoRows', message: '"rows" is empty; send at least one row' };
    }
    const validation = await validateInSlices(tableConfig, parsed.data.rows);
    if (!validation.ok) {
        return {
            kind: 'rejected',
            status: 400,
            code: 'InvalidRows',
            message: `${validation.invalidRows} of ${parsed.data.rows.length} rows are invalid; nothing was enqueued`,
            rowErrors: validation.errors,
            invalidRows: validation.invalidRows,
        };
    }

    const ingestionId = (deps.newId ?? randomUUID)();
    const envelope: RowsEnvelope = {
        version: 1,
        ingestionId,
        dataset: datasetConfig.name,
        table: tableConfig.name,
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
            message: `Storage is unavailable, nothing was enqueued: ${(error as Error).message}`,
        };
    }
    return { kind: 'accepted', ingestionId, rows: validation.rows.length, claimCheck };
}
