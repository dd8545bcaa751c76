import { z } from 'zod';
import type { RelayConfig } from '../config/relayConfig';
import { commitOnce, readRequestKey, unsignedSender, type OnceOutcome } from './commitOnce';
import { commitRows, keyOutcomeOfRefusal, type CommitDeps, type CommitOutcome } from './commitRows';
import { describeZodError } from '../config/describeZodError';
import type { IdempotencyStore } from './idempotencyStore';
import { readJsonBody, type JsonBodyRejection, type JsonBodyRequest } from './readJsonBody';
import { toAcceptedBody } from './toResponseBody';
import { verifyWebhookSignature, type WebhookSender, type WebhookSignatureCheck } from './verifyWebhookSignature';

export interface IngestRequest extends JsonBodyRequest {
    dataset: string;
    table: string;
}

export interface IngestDeps extends CommitDeps {
    config: RelayConfig;
    maxBodyBytes: number;
    /** Request keys (Idempotency-Key, webhook-id), in the same table as the sources' event ids. */
    idempotency: IdempotencyStore;
    /** Every configured webhook sender with its secrets, read from app settings at start-up. */
    webhookSenders: readonly WebhookSender[];
}

export type IngestOutcome =
    | CommitOutcome
    | OnceOutcome
    | JsonBodyRejection
    | Exclude<WebhookSignatureCheck, { kind: 'verified' }>
    | { kind: 'rejected'; status: 400 | 404 | 415; code: string; message: string };

/** Power BI's Add Rows body, so an existing push client only changes its base URL. */
export const addRowsBodySchema = z.strictObject({ rows: z.array(z.unknown()) });

const isJson = (contentType: string | undefined) =>
    contentType !== undefined && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim());

/** A name from the URL, quoted in an answer at most 100 characters long. */
export const quoteName = (name: string) => JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name);

/**
 * Accepts one Add Rows request and commits its rows whole or not at all (commitRows), once per idempotency key when
 * the request carries one, after the signature check when the dataset is `signedBy` webhook senders.
 */
export async function ingestRows(
    request: IngestRequest,
    deps: IngestDeps,
    onUnrecordedKey: (error: unknown) => void = () => undefined,
): Promise<IngestOutcome> {
    const datasetConfig = deps.config.datasets.find((d) => d.name === request.dataset);
    if (!datasetConfig) {
        const known = deps.config.datasets.map((d) => d.name).join(', ') || 'none';
        return {
            kind: 'rejected',
            status: 404,
            code: 'DatasetNotFound',
            message: `Dataset ${quoteName(request.dataset)} is not configured (configured: ${known})`,
        };
    }
    const tableConfig = datasetConfig.tables.find((t) => t.name === request.table);
    if (!tableConfig) {
        const known = datasetConfig.tables.map((t) => t.name).join(', ');
        return {
            kind: 'rejected',
            status: 404,
            code: 'TableNotFound',
            message: `Table ${quoteName(request.table)} is not part of dataset "${datasetConfig.name}" (tables: ${known}; names are case-sensitive)`,
        };
    }
    const contentType = request.headers['content-type'];
    if (!isJson(contentType)) {
        return {
            kind: 'rejected',
            status: 415,
            code: 'UnsupportedMediaType',
            message: `Content-Type must be application/json, got ${contentType === undefined ? 'none' : quoteName(contentType)}`,
        };
    }
    const body = await readJsonBody(request, deps.maxBodyBytes);
    if (body.kind === 'rejected') return body;
    let sender = unsignedSender;
    if (datasetConfig.signedBy !== undefined) {
        const allowed = deps.webhookSenders.filter((s) => datasetConfig.signedBy!.includes(s.name));
        const check = verifyWebhookSignature(allowed, request.headers, body.bytes);
        if (check.kind === 'rejected') return check;
        sender = check.sender;
    }
    const parsed = addRowsBodySchema.safeParse(body.json);
    if (!parsed.success) {
        // Bounded: at most 10 issues, each path at most 100 characters.
        const issues = describeZodError(parsed.error, {
            root: '(body)',
            max: 10,
            name: (path) => path.map(String).join('.').slice(0, 100),
        });
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
    const key = readRequestKey(request.headers, `rows:${datasetConfig.name}/${tableConfig.name}`, sender, body.bytes);
    if (key?.kind === 'rejected') return key;
    return commitOnce(
        deps.idempotency,
        key,
        (identity) => commitRows(datasetConfig, [{ table: tableConfig, rows: parsed.data.rows }], deps, identity),
        (outcome) => {
            if (outcome.kind === 'accepted') return { status: 202, body: toAcceptedBody(outcome) };
            return keyOutcomeOfRefusal(outcome);
        },
        onUnrecordedKey,
    );
}
