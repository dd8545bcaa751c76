import type { PowerBiClient, PowerBiResult } from './powerBiClient';
import {
    refreshDetailSchema,
    refreshHistorySchema,
    type RefreshDetail,
    type RefreshHistoryEntry,
} from './refreshSchemas';

/** The enhanced refresh request body (DatasetRefreshRequest without notifyOption, plus the documented `timeout`). */
export interface EnhancedRefreshRequest {
    type?: string;
    commitMode?: string;
    maxParallelism?: number;
    retryCount?: number;
    objects?: { table: string; partition?: string }[];
    applyRefreshPolicy?: boolean;
    effectiveDate?: string;
    timeout?: string;
}

/** The model a refresh call is about. */
export interface ModelRef {
    workspaceId: string;
    datasetId: string;
}

export type RefreshDetailResult =
    /** 202 while the refresh runs, 200 once it has ended (GET .../refreshes/{refreshId}). */
    { running: boolean; detail: RefreshDetail };

export type RefreshApi = ReturnType<typeof createRefreshApi>;

/**
 * The refresh id of an accepted enhanced refresh: `x-ms-request-id`, or the last segment of `Location`
 * (.../refreshes/{refreshId}) when a proxy drops the former.
 */
export function refreshIdFrom(headers: { get(name: string): string | null | undefined }): string | undefined {
    const requestId = headers.get('x-ms-request-id')?.trim();
    if (requestId) return requestId;
    const location = headers.get('Location');
    const match = location ? /\/refreshes\/([^/?#]+)/i.exec(location) : null;
    return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

export function createRefreshApi(client: PowerBiClient) {
    const refreshes = (model: ModelRef) => `${client.datasetPath(model.workspaceId, model.datasetId)}/refreshes`;
    return {
        /** The workspace's datasets: how a target named by dataset name finds its model. */
        getDatasets: (workspaceId: string) => client.getDatasets(workspaceId),
        /** POST .../refreshes; the 202 carries the refresh id in its headers and no body. */
        async startRefresh(
            model: ModelRef,
            body: EnhancedRefreshRequest,
        ): Promise<PowerBiResult<{ refreshId?: string }>> {
            const result = await client.send({ method: 'POST', path: refreshes(model), body });
            return result.ok ? { ...result, value: { refreshId: refreshIdFrom(result.headers) } } : result;
        },
        async getRefreshDetail(model: ModelRef, refreshId: string): Promise<PowerBiResult<RefreshDetailResult>> {
            const result = await client.send({
                method: 'GET',
                path: `${refreshes(model)}/${encodeURIComponent(refreshId)}`,
                schema: refreshDetailSchema,
            });
            return result.ok ? { ...result, value: { running: result.status === 202, detail: result.value } } : result;
        },
        /** GET .../refreshes?$top=n: newest first; the service keeps 20 to 60 entries. */
        async getRefreshHistory(model: ModelRef, top: number): Promise<PowerBiResult<RefreshHistoryEntry[]>> {
            const result = await client.send({
                method: 'GET',
                path: `${refreshes(model)}?$top=${Math.max(1, Math.floor(top))}`,
                schema: refreshHistorySchema,
            });
            return result.ok ? { ...result, value: result.value.value } : result;
        },
        /** DELETE .../refreshes/{refreshId}: 200 with an empty body. */
        cancelRefresh: (model: ModelRef, refreshId: string): Promise<PowerBiResult<undefined>> =>
            client.send({ method: 'DELETE', path: `${refreshes(model)}/${encodeURIComponent(refreshId)}` }),
    };
}
