import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import {
    createDefaultHttpClient,
    createHttpHeaders,
    createPipelineRequest,
    type HttpClient,
    type Pipeline,
} from '@azure/core-rest-pipeline';
import { isLosslessNumber, stringify } from 'lossless-json';
import { z } from 'zod';
import { maxIngestBytes } from '../config/settings';
import { createBearerPipeline, toPipelineBaseUrl } from '../serviceClient/loopbackEmulatorPolicy';
import type { PowerBiCredential } from '../powerbi/powerBiCredential';
import {
    classifyEventhouseRequestError,
    classifyEventhouseResponse,
    EventhouseError,
    oneApiErrorSchema,
} from './eventhouseFailure';

const gzipAsync = promisify(gzip);

export interface EventhouseClientOptions {
    /** e.g. https://<id>.<region>.kusto.fabric.microsoft.com; http only for the local emulator on a loopback address. */
    queryServiceUri: string;
    /** The managed identity (or `az login`); its `renew`, where it has one, is called when a token is refused. */
    credential: PowerBiCredential;
    /** e.g. https://kusto.kusto.windows.net/.default */
    scope: string;
    /** Bounds each whole exchange; 30 s unless given. */
    timeoutMs?: number;
    /** The transport; the SDK's default (Node's http/https) unless a caller needs another. */
    httpClient?: HttpClient;
}

export interface CallOptions {
    /** Sent as x-ms-client-request-id, which the service echoes and logs. */
    clientRequestId?: string;
    abortSignal?: AbortSignal;
}

/** The primary result of a query or command: columns with their Kusto types, rows of values in column order. */
export interface KustoResult {
    columns: { name: string; type: string }[];
    rows: unknown[][];
}

export interface EventhouseClient {
    /** Streaming ingestion of `rows` as MultiJSON, gzipped, through the JSON mapping `mapping`. */
    ingest(
        database: string,
        table: string,
        mapping: string,
        rows: readonly Record<string, unknown>[],
        options?: CallOptions,
    ): Promise<void>;
    /** A KQL query (/v2/rest/query): its primary result. */
    query(database: string, csl: string, options?: CallOptions): Promise<KustoResult>;
    /** A management command (/v1/rest/mgmt): its first table. */
    management(database: string, csl: string, options?: CallOptions): Promise<KustoResult>;
}

/**
 * One row as a line of MultiJSON. Exact numbers (Int64 and Decimal values a double cannot hold, LosslessNumbers here)
 * are written by lossless-json as JSON numbers with their digits, as Add Rows bodies are; it writes about 8 times
 * slower than JSON.stringify, so only rows that hold one go through it.
 */
export const toMultiJsonLine = (row: Readonly<Record<string, unknown>>): string =>
    Object.values(row).some(isLosslessNumber) ? stringify(row)! : JSON.stringify(row);

const v1BodySchema = z.looseObject({
    Tables: z
        .array(
            z.looseObject({
                Columns: z.array(z.looseObject({ ColumnName: z.string(), ColumnType: z.string().optional() })),
                Rows: z.array(z.array(z.unknown())),
            }),
        )
        .min(1),
});

const v2FramesSchema = z.array(
    z.looseObject({
        FrameType: z.string(),
        TableKind: z.string().optional(),
        Columns: z.array(z.looseObject({ ColumnName: z.string(), ColumnType: z.string() })).optional(),
        Rows: z.array(z.unknown()).optional(),
        HasErrors: z.boolean().optional(),
        OneApiErrors: z.array(oneApiErrorSchema).optional(),
    }),
);

/**
 * The relay's Kusto client, on the Azure SDK's pipeline as the Power BI client is: the SDK's bearer policy gets,
 * caches and renews the token, the loopback policy lets it reach the local emulator. The Kusto SDK's managed streaming
 * client is not used: it retries on its own and then falls back to queued ingestion (../shared/reference/fabric-path.md),
 * where retrying belongs to the sink's queue. Every failure is thrown as an EventhouseError with its classified failure.
 */
export function createEventhouseClient(options: EventhouseClientOptions): EventhouseClient {
    const httpClient = options.httpClient ?? createDefaultHttpClient();
    const timeoutMs = options.timeoutMs ?? 30_000;
    const { baseUrl, viaLoopback } = toPipelineBaseUrl(options.queryServiceUri, 'The Eventhouse URI');
    const newPipeline = (): Pipeline => createBearerPipeline(options.credential, options.scope, viaLoopback);
    let pipeline = newPipeline();

    interface Call {
        path: string;
        headers: Record<string, string>;
        body: string | Buffer;
        options?: CallOptions;
    }

    async function attempt(call: Call): Promise<string> {
        const signals = [
            AbortSignal.timeout(timeoutMs),
            ...(call.options?.abortSignal ? [call.options.abortSignal] : []),
        ];
        const request = createPipelineRequest({
            url: `${baseUrl}${call.path}`,
            method: 'POST',
            headers: createHttpHeaders({
                Accept: 'application/json',
                ...call.headers,
                ...(call.options?.clientRequestId ? { 'x-ms-client-request-id': call.options.clientRequestId } : {}),
                'x-ms-app': 'pbi-relay',
            }),
            body: call.body,
            abortSignal: AbortSignal.any(signals),
        });
        let response;
        try {
            response = await pipeline.sendRequest(httpClient, request);
        } catch (error) {
            throw new EventhouseError(classifyEventhouseRequestError(error));
        }
        const text = response.bodyAsText ?? '';
        if (response.status < 200 || response.status >= 300) {
            throw new EventhouseError(classifyEventhouseResponse(response.status, response.headers, text));
        }
        return text;
    }

    /** Sends a call; a refused token (401) is dropped with the pipeline that caches it and the call sent once more. */
    async function send(call: Call): Promise<string> {
        try {
            return await attempt(call);
        } catch (error) {
            if (!(error instanceof EventhouseError)) throw error;
            const { failure } = error;
            if (failure.kind !== 'unauthorized' || failure.status !== 401 || failure.code === 'NoAccessToken') {
                throw error;
            }
            options.credential.renew?.();
            pipeline = newPipeline();
            return attempt(call);
        }
    }

    const readJson = (text: string): unknown => {
        try {
            return JSON.parse(text);
        } catch {
            return undefined;
        }
    };
    const unreadable = (what: string, error: z.ZodError): never => {
        // A 2xx we cannot read: the service answered, but not as documented.
        throw new EventhouseError({
            kind: 'transient',
            status: 200,
            message: `Unexpected Kusto ${what} response: ${z.prettifyError(error)}`,
        });
    };

    const cslCall = (path: string, database: string, csl: string, callOptions?: CallOptions): Call => ({
        path,
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ db: database, csl }),
        ...(callOptions ? { options: callOptions } : {}),
    });

    return {
        async ingest(database, table, mapping, rows, callOptions) {
            const text = rows.map(toMultiJsonLine).join('\n');
            const bytes = Buffer.byteLength(text, 'utf8');
            if (bytes > maxIngestBytes) {
                throw new EventhouseError({
                    kind: 'permanent',
                    status: 413,
                    code: 'RequestTooLarge',
                    message: `${rows.length} rows make ${bytes} bytes of MultiJSON; streaming ingestion takes at most ${maxIngestBytes}`,
                });
            }
            const query = new URLSearchParams({ streamFormat: 'multijson', mappingName: mapping });
            await send({
                path: `/v1/rest/ingest/${encodeURIComponent(database)}/${encodeURIComponent(table)}?${query}`,
                headers: { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip' },
                body: await gzipAsync(Buffer.from(text, 'utf8')),
                ...(callOptions ? { options: callOptions } : {}),
            });
        },

        async query(database, csl, callOptions) {
            const text = await send(cslCall('/v2/rest/query', database, csl, callOptions));
            const parsed = v2FramesSchema.safeParse(readJson(text));
            if (!parsed.success) return unreadable('query', parsed.error);
            const completion = parsed.data.find((frame) => frame.FrameType === 'DataSetCompletion');
            if (completion?.HasErrors) {
                const error = completion.OneApiErrors?.[0]?.error;
                throw new EventhouseError({
                    kind: error?.['@permanent'] === false ? 'transient' : 'permanent',
                    status: 200,
                    ...(error?.code ? { code: error.code } : {}),
                    message: error?.['@message'] ?? error?.message ?? 'The query completed with errors',
                });
            }
            const primary = parsed.data.find(
                (frame) => frame.FrameType === 'DataTable' && frame.TableKind === 'PrimaryResult',
            );
            if (!primary?.Columns || !primary.Rows) {
                throw new EventhouseError({
                    kind: 'transient',
                    status: 200,
                    message: 'Unexpected Kusto query response: no PrimaryResult table',
                });
            }
            return {
                columns: primary.Columns.map((column) => ({ name: column.ColumnName, type: column.ColumnType })),
                rows: primary.Rows.filter((row): row is unknown[] => Array.isArray(row)),
            };
        },

        async management(database, csl, callOptions) {
            const text = await send(cslCall('/v1/rest/mgmt', database, csl, callOptions));
            const parsed = v1BodySchema.safeParse(readJson(text));
            if (!parsed.success) return unreadable('management', parsed.error);
            const first = parsed.data.Tables[0]!;
            return {
                columns: first.Columns.map((column) => ({
                    name: column.ColumnName,
                    type: column.ColumnType ?? 'string',
                })),
                rows: first.Rows,
            };
        },
    };
}
