import { z } from 'zod';
import type { RelayConfig } from '../config/relayConfig';
import { commitRows, type CommitDeps, type CommitOutcome } from './commitRows';
import { readJsonBody, type JsonBodyRejection } from './readJsonBody';
import { describeZodError } from '../config/describeZodError';

export interface IngestRequest {
    dataset: string;
    table: string;
    contentType: string | null;
    contentLength: string | null;
    readBody(): Promise<Uint8Array>;
}

export interface IngestDeps extends CommitDeps {
    config: RelayConfig;
    maxBodyBytes: number;
}

export type IngestOutcome =
    CommitOutcome | JsonBodyRejection | { kind: 'rejected'; status: 400 | 404 | 415; code: string; message: string };

/** Power BI's Add Rows body, so an existing push client only changes its base URL. */
export const addRowsBodySchema = z.strictObject({ rows: z.array(z.unknown()) });

const isJson = (contentType: string | null) =>
    contentType !== null && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim());

/** Accepts one Add Rows request and commits its rows whole or not at all (commitRows). */
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
    const body = await readJsonBody(request, deps.maxBodyBytes);
    if (body.kind === 'rejected') return body;
    const parsed = addRowsBodySchema.safeParse(body.json);
    if (!parsed.success) {
        const issues = describeZodError(parsed.error, { root: '(body)' });
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
    return commitRows(datasetConfig, [{ table: tableConfig, rows: parsed.data.rows }], deps);
}
