import type { z } from 'zod';
import { classifyNetworkError, classifyPowerBiResponse, type PowerBiFailure } from './powerBiFailure';
import {
    createdDatasetSchema,
    datasetsSchema,
    tablesSchema,
    type CreateDatasetRequest,
    type Dataset,
    type PowerBiTable,
    type TableDefinition,
} from './schemas';
import type { TokenProvider } from './tokenProvider';

export type PowerBiResult<T> =
    | { ok: true; value: T; requestId?: string; status: number; headers: Headers }
    | { ok: false; failure: PowerBiFailure };

export interface PowerBiClientOptions {
    /** e.g. https://api.powerbi.com/v1.0/myorg */
    baseUrl: string;
    tokens: TokenProvider;
    timeoutMs: number;
    fetch?: typeof fetch;
}

export interface PowerBiRequest<T> {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    /** Path below the base URL, already encoded, e.g. /groups/{id}/datasets */
    path: string;
    body?: unknown;
    /** How to read a successful response; omit for responses whose body is ignored. */
    schema?: z.ZodType<T>;
}

export type PowerBiClient = ReturnType<typeof createPowerBiClient>;

const group = (workspaceId: string) => `/groups/${encodeURIComponent(workspaceId)}`;
const datasetPath = (workspaceId: string, datasetId: string) =>
    `${group(workspaceId)}/datasets/${encodeURIComponent(datasetId)}`;

export function createPowerBiClient(options: PowerBiClientOptions) {
    const fetchImpl = options.fetch ?? fetch;
    const baseUrl = options.baseUrl.replace(/\/+$/, '');

    async function attempt<T>(request: PowerBiRequest<T>, forceRefresh: boolean): Promise<PowerBiResult<T>> {
        let token: string;
        try {
            token = await options.tokens.getToken({ forceRefresh });
        } catch (error) {
            return {
                ok: false,
                failure: {
                    kind: 'unauthorized',
                    status: 401,
                    // Not a Power BI answer: the credential itself failed (managed identity endpoint, az login).
                    code: 'NoAccessToken',
                    message: `No access token: ${(error as Error).message}`,
                },
            };
        }
        let response: Response;
        let text: string;
        try {
            response = await fetchImpl(`${baseUrl}${request.path}`, {
                method: request.method,
                headers: {
                    Authorization: `Bearer ${token}`,
                    Accept: 'application/json',
                    ...(request.body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
                },
                body: request.body === undefined ? undefined : JSON.stringify(request.body),
                signal: AbortSignal.timeout(options.timeoutMs),
            });
            text = await response.text();
        } catch (error) {
            return { ok: false, failure: classifyNetworkError(error) };
        }
        const requestId = response.headers.get('RequestId') ?? response.headers.get('x-ms-request-id') ?? undefined;
        if (!response.ok) {
            return { ok: false, failure: classifyPowerBiResponse(response.status, response.headers, text) };
        }
        if (!request.schema) {
            return { ok: true, value: undefined as T, requestId, status: response.status, headers: response.headers };
        }
        let json: unknown;
        try {
            json = text === '' ? undefined : JSON.parse(text);
        } catch {
            json = undefined;
        }
        const parsed = request.schema.safeParse(json);
        if (!parsed.success) {
            // A 2xx we cannot read is treated as transient: the service answered, but not as documented.
            const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
            return {
                ok: false,
                failure: {
                    kind: 'transient',
                    status: response.status,
                    message: `Unexpected Power BI response: ${issues}`,
                    requestId,
                },
            };
        }
        return { ok: true, value: parsed.data, requestId, status: response.status, headers: response.headers };
    }

    /** Sends one request; an expired token (403 TokenExpired or 401) is renewed and the request sent once more. */
    async function send<T>(request: PowerBiRequest<T>): Promise<PowerBiResult<T>> {
        const first = await attempt(request, false);
        if (!first.ok && first.failure.kind === 'unauthorized') {
            return attempt(request, true);
        }
        return first;
    }

    return {
        send,
        getDatasets: async (workspaceId: string): Promise<PowerBiResult<Dataset[]>> => {
            const result = await send({
                method: 'GET',
                path: `${group(workspaceId)}/datasets`,
                schema: datasetsSchema,
            });
            return result.ok ? { ...result, value: result.value.value } : result;
        },
        createDataset: (
            workspaceId: string,
            request: CreateDatasetRequest,
            defaultRetentionPolicy: 'None' | 'basicFIFO',
        ) =>
            send({
                method: 'POST',
                path: `${group(workspaceId)}/datasets?defaultRetentionPolicy=${defaultRetentionPolicy}`,
                body: request,
                schema: createdDatasetSchema,
            }),
        getTables: async (workspaceId: string, datasetId: string): Promise<PowerBiResult<PowerBiTable[]>> => {
            const result = await send({
                method: 'GET',
                path: `${datasetPath(workspaceId, datasetId)}/tables`,
                schema: tablesSchema,
            });
            return result.ok ? { ...result, value: result.value.value } : result;
        },
        putTable: (workspaceId: string, datasetId: string, table: TableDefinition) =>
            send({
                method: 'PUT',
                path: `${datasetPath(workspaceId, datasetId)}/tables/${encodeURIComponent(table.name)}`,
                body: table,
            }),
        postRows: (workspaceId: string, datasetId: string, tableName: string, rows: readonly unknown[]) =>
            send({
                method: 'POST',
                path: `${datasetPath(workspaceId, datasetId)}/tables/${encodeURIComponent(tableName)}/rows`,
                body: { rows },
            }),
        datasetPath,
    };
}
