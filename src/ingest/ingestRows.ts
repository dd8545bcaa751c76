import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RelayConfig } from '../config/relayConfig';
import type { RowsBlobs } from '../queue/rowsBlobs';
import { fitsInQueueMessage, type RowsMessage } from '../queue/rowsMessage';
import type { RowsQueue } from '../queue/rowsQueue';
import { validateRows, type RowError } from './validateRows';

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
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
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
    const validation = validateRows(tableConfig, parsed.data.rows);
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
    const envelope = {
        version: 1,
        ingestionId,
        dataset: datasetConfig.name,
        table: tableConfig.name,
        rowCount: validation.rows.length,
        receivedAt: (deps.now?.() ?? new Date()).toISOString(),
        part: 0,
        attempt: 0,
    } as const;
    const inline: RowsMessage = { ...envelope, rows: validation.rows };
    const claimCheck = !fitsInQueueMessage(inline);
    try {
        if (claimCheck) {
            const blob = `${ingestionId}.json`;
            await deps.blobs.put(blob, validation.rows);
            await deps.queue.send({ ...envelope, blob });
        } else {
            await deps.queue.send(inline);
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
