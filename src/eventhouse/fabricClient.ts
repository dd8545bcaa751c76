import {
    createDefaultHttpClient,
    createHttpHeaders,
    createPipelineRequest,
    type HttpClient,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { createBearerPipeline, toPipelineBaseUrl } from '../serviceClient/loopbackEmulatorPolicy';

export const defaultFabricApiBaseUrl = 'https://api.fabric.microsoft.com';
export const fabricScope = 'https://api.fabric.microsoft.com/.default';

export interface FabricClientOptions {
    /** https://api.fabric.microsoft.com; http only for the local Kusto emulator on a loopback address. */
    baseUrl?: string;
    credential: TokenCredential;
    timeoutMs?: number;
    httpClient?: HttpClient;
}

const eventhouseSchema = z.looseObject({
    id: z.string(),
    displayName: z.string(),
    properties: z.looseObject({ queryServiceUri: z.string(), databasesItemIds: z.array(z.string()).optional() }),
});
const kqlDatabaseSchema = z.looseObject({
    id: z.string(),
    displayName: z.string(),
    properties: z.looseObject({ parentEventhouseItemId: z.string(), queryServiceUri: z.string() }),
});
/** Fabric list answers come in pages: `continuationUri` names the next one. */
const pageOf = <T extends z.ZodType>(item: T) =>
    z.looseObject({ value: z.array(item), continuationUri: z.string().nullish() });
const fabricErrorBodySchema = z.looseObject({
    errorCode: z.string().optional(),
    message: z.string().optional(),
    requestId: z.string().optional(),
});

export type FabricEventhouse = z.infer<typeof eventhouseSchema>;
export type FabricKqlDatabase = z.infer<typeof kqlDatabaseSchema>;

/** A refused or failed Fabric REST call (`{requestId, errorCode, message}`), or no answer (status undefined). */
export class FabricApiError extends Error {
    override name = 'FabricApiError';
    constructor(
        message: string,
        readonly status?: number,
        readonly errorCode?: string,
        readonly requestId?: string,
    ) {
        super(message);
    }
}

export interface FabricClient {
    /** Items - List Eventhouses of a workspace. */
    listEventhouses(workspaceId: string): Promise<FabricEventhouse[]>;
    /** Items - List KQL Databases of a workspace. */
    listKqlDatabases(workspaceId: string): Promise<FabricKqlDatabase[]>;
}

/**
 * The few Fabric REST reads the setup needs, on the Azure SDK's pipeline as the Power BI and Eventhouse clients are
 * (bearer policy, loopback policy for the emulator). No Fabric SDK for JavaScript exists for these items.
 */
export function createFabricClient(options: FabricClientOptions): FabricClient {
    const httpClient = options.httpClient ?? createDefaultHttpClient();
    const { baseUrl: origin, viaLoopback } = toPipelineBaseUrl(
        options.baseUrl ?? defaultFabricApiBaseUrl,
        'The Fabric API URL',
    );
    const pipeline = createBearerPipeline(options.credential, fabricScope, viaLoopback);

    async function get<T>(url: string, schema: z.ZodType<T>): Promise<T> {
        const request = createPipelineRequest({
            url,
            method: 'GET',
            headers: createHttpHeaders({ Accept: 'application/json' }),
            abortSignal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
        let response;
        try {
            response = await pipeline.sendRequest(httpClient, request);
        } catch (error) {
            throw new FabricApiError(`Could not reach the Fabric API at ${origin}: ${(error as Error).message}`);
        }
        let json: unknown;
        try {
            json = JSON.parse(response.bodyAsText ?? '');
        } catch {
            json = undefined;
        }
        if (response.status < 200 || response.status >= 300) {
            const body = fabricErrorBodySchema.safeParse(json);
            const errorCode = (body.success ? body.data.errorCode : undefined) ?? undefined;
            const message = (body.success ? body.data.message : undefined) ?? `HTTP ${response.status}`;
            const requestId = (body.success ? body.data.requestId : undefined) ?? undefined;
            throw new FabricApiError(message, response.status, errorCode, requestId);
        }
        const parsed = schema.safeParse(json);
        if (!parsed.success) {
            throw new FabricApiError(`Unexpected Fabric API answer: ${z.prettifyError(parsed.error)}`, response.status);
        }
        return parsed.data;
    }

    async function list<T extends z.ZodType>(path: string, item: T): Promise<z.infer<T>[]> {
        const items: z.infer<T>[] = [];
        let url: string | undefined = `${origin}${path}`;
        while (url) {
            const page: { value: z.infer<T>[]; continuationUri?: string | null } = await get(url, pageOf(item));
            items.push(...page.value);
            // The next page's URL, addressed like the first (https, which the loopback policy turns into http).
            const next = page.continuationUri ? new URL(page.continuationUri) : undefined;
            url = next ? new URL(`${next.pathname}${next.search}`, origin).href : undefined;
        }
        return items;
    }

    const workspace = (workspaceId: string) => `/v1/workspaces/${encodeURIComponent(workspaceId)}`;
    return {
        listEventhouses: (workspaceId) => list(`${workspace(workspaceId)}/eventhouses`, eventhouseSchema),
        listKqlDatabases: (workspaceId) => list(`${workspace(workspaceId)}/kqlDatabases`, kqlDatabaseSchema),
    };
}
