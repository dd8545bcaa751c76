import {
    createDefaultHttpClient,
    createHttpHeaders,
    createPipelineRequest,
    type HttpClient,
    type HttpHeaders,
    type Pipeline,
} from '@azure/core-rest-pipeline';
import { isLosslessNumber, stringify } from 'lossless-json';
import { z } from 'zod';
import { createBearerPipeline, toPipelineBaseUrl } from '../serviceClient/loopbackEmulatorPolicy';
import type { PowerBiCredential } from './powerBiCredential';
import { classifyPowerBiResponse, classifyRequestError, type PowerBiFailure } from './powerBiFailure';
import {
    createdDatasetSchema,
    datasetsSchema,
    executeQueriesResponseSchema,
    groupsSchema,
    groupUsersSchema,
    tablesSchema,
    type CreateDatasetRequest,
    type Dataset,
    type GroupUserDetails,
    type PowerBiTable,
    type TableDefinition,
    type WorkspaceListing,
    type WorkspaceUser,
} from './schemas';

export type PowerBiResult<T> =
    | { ok: true; value: T; requestId?: string; status: number; headers: HttpHeaders }
    | { ok: false; failure: PowerBiFailure };

export interface PowerBiClientOptions {
    /** e.g. https://api.powerbi.com/v1.0/myorg; http only for the local emulator on a loopback address. */
    baseUrl: string;
    /** Its `renew`, where it has one, is called when Power BI refuses a token as expired. */
    credential: PowerBiCredential;
    scope: string;
    timeoutMs: number;
    /** The transport; the SDK's default (Node's http/https) unless a caller needs another. */
    httpClient?: HttpClient;
}

export interface PowerBiRequest<T> {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    /** Path below the base URL, already encoded, e.g. /groups/{id}/datasets */
    path: string;
    body?: unknown;
    /** How to read a successful response; omit for responses whose body is ignored. */
    schema?: z.ZodType<T>;
    /**
     * The body holds LosslessNumbers (exact Int64 and Decimal values), which lossless-json writes as JSON numbers with
     * their digits; it writes about 8 times slower than JSON.stringify, so only such bodies go through it.
     */
    exactNumbers?: boolean;
}

export type PowerBiClient = ReturnType<typeof createPowerBiClient>;

const group = (workspaceId: string) => `/groups/${encodeURIComponent(workspaceId)}`;
const datasetPath = (workspaceId: string, datasetId: string) =>
    `${group(workspaceId)}/datasets/${encodeURIComponent(datasetId)}`;

/**
 * The one Power BI client of the relay, the doctor and the grant script, on the Azure SDK's pipeline: the
 * SDK's bearer policy gets, caches and renews the token; there is no retry policy, because retrying belongs
 * to the queue and the push governor, which know Power BI's budget.
 */
export function createPowerBiClient(options: PowerBiClientOptions) {
    const httpClient = options.httpClient ?? createDefaultHttpClient();
    const { baseUrl, viaLoopback } = toPipelineBaseUrl(options.baseUrl, 'The Power BI API URL');
    const newPipeline = (): Pipeline => createBearerPipeline(options.credential, options.scope, viaLoopback);
    let pipeline = newPipeline();

    async function attempt<T>(request: PowerBiRequest<T>): Promise<PowerBiResult<T>> {
        const pipelineRequest = createPipelineRequest({
            url: `${baseUrl}${request.path}`,
            method: request.method,
            headers: createHttpHeaders({
                Accept: 'application/json',
                ...(request.body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
            }),
            ...(request.body === undefined
                ? {}
                : { body: request.exactNumbers ? stringify(request.body)! : JSON.stringify(request.body) }),
            // The whole exchange, body included, is bounded (the request's own `timeout` stops at the headers).
            abortSignal: AbortSignal.timeout(options.timeoutMs),
        });
        let response;
        try {
            response = await pipeline.sendRequest(httpClient, pipelineRequest);
        } catch (error) {
            return { ok: false, failure: classifyRequestError(error) };
        }
        const text = response.bodyAsText ?? '';
        const requestId = response.headers.get('RequestId') ?? response.headers.get('x-ms-request-id') ?? undefined;
        if (response.status < 200 || response.status >= 300) {
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
            return {
                ok: false,
                failure: {
                    kind: 'transient',
                    status: response.status,
                    message: `Unexpected Power BI response: ${z.prettifyError(parsed.error)}`,
                    requestId,
                },
            };
        }
        return { ok: true, value: parsed.data, requestId, status: response.status, headers: response.headers };
    }

    /**
     * Sends one request. Power BI answers an expired token with 403 TokenExpired, which the SDK's bearer
     * policy does not know (it renews on a 401 challenge): on that answer alone the cached token is dropped,
     * with the pipeline that holds it (and, through `renew`, the credential's own cache), and the request sent
     * once more.
     */
    async function send<T>(request: PowerBiRequest<T>): Promise<PowerBiResult<T>> {
        const first = await attempt(request);
        if (!first.ok && first.failure.kind === 'unauthorized' && first.failure.code === 'TokenExpired') {
            options.credential.renew?.();
            pipeline = newPipeline();
            return attempt(request);
        }
        return first;
    }

    const listOf = async <T>(request: PowerBiRequest<{ value: T[] }>): Promise<PowerBiResult<T[]>> => {
        const result = await send(request);
        return result.ok ? { ...result, value: result.value.value } : result;
    };

    return {
        send,
        datasetPath,
        /** Groups - Get Groups: the workspaces the caller has a role in. */
        getGroups: (): Promise<PowerBiResult<WorkspaceListing[]>> =>
            listOf({ method: 'GET', path: '/groups', schema: groupsSchema }),
        /** Groups - Get Group Users. */
        getGroupUsers: (workspaceId: string): Promise<PowerBiResult<WorkspaceUser[]>> =>
            listOf({ method: 'GET', path: `${group(workspaceId)}/users`, schema: groupUsersSchema }),
        /** Groups - Add Group User. */
        addGroupUser: (workspaceId: string, user: GroupUserDetails) =>
            send({ method: 'POST', path: `${group(workspaceId)}/users`, body: user }),
        /** Groups - Update Group User. */
        updateGroupUser: (workspaceId: string, user: GroupUserDetails) =>
            send({ method: 'PUT', path: `${group(workspaceId)}/users`, body: user }),
        getDatasets: (workspaceId: string): Promise<PowerBiResult<Dataset[]>> =>
            listOf({ method: 'GET', path: `${group(workspaceId)}/datasets`, schema: datasetsSchema }),
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
        getTables: (workspaceId: string, datasetId: string): Promise<PowerBiResult<PowerBiTable[]>> =>
            listOf({ method: 'GET', path: `${datasetPath(workspaceId, datasetId)}/tables`, schema: tablesSchema }),
        putTable: (workspaceId: string, datasetId: string, table: TableDefinition) =>
            send({
                method: 'PUT',
                path: `${datasetPath(workspaceId, datasetId)}/tables/${encodeURIComponent(table.name)}`,
                body: table,
            }),
        /** Datasets - Execute Queries with one DAX query; the first table's rows of its one result. */
        executeQuery: async (
            workspaceId: string,
            datasetId: string,
            query: string,
        ): Promise<PowerBiResult<Record<string, unknown>[]>> => {
            const result = await send({
                method: 'POST',
                path: `${datasetPath(workspaceId, datasetId)}/executeQueries`,
                body: { queries: [{ query }], serializerSettings: { includeNulls: true } },
                schema: executeQueriesResponseSchema,
            });
            return result.ok ? { ...result, value: result.value.results[0]!.tables[0]!.rows } : result;
        },
        /** Push Datasets - Add Rows; exact numbers (LosslessNumbers) are sent as JSON numbers with their digits. */
        postRows: (
            workspaceId: string,
            datasetId: string,
            tableName: string,
            rows: readonly Record<string, unknown>[],
        ) =>
            send({
                method: 'POST',
                path: `${datasetPath(workspaceId, datasetId)}/tables/${encodeURIComponent(tableName)}/rows`,
                body: { rows },
                exactNumbers: rows.some((row) => Object.values(row).some(isLosslessNumber)),
            }),
    };
}
