import { accessWorkspace, authenticate, requireWriteRole, type Caller, type WorkspaceAccess } from '../auth/authorize';
import type { EmulatorRuntime } from '../EmulatorRuntime';
import { powerBiErrors } from '../errors/powerBiErrors';
import { parseJsonBody } from '../http/parseJsonBody';
import { readBody } from '../http/readBody';
import type { HandlerResult, RequestContext } from '../http/RequestContext';
import type { RouteParams } from '../http/RouteParams';
import { refreshStateAt } from '../refresh/refreshTimeline';
import { toRefreshDetail } from '../refresh/toRefreshDetail';
import { toRefreshHistoryEntry } from '../refresh/toRefreshHistoryEntry';
import { toStoredRefresh } from '../refresh/toStoredRefresh';
import { datasetRefreshRequestSchema } from '../schemas/requestSchemas';
import type { StoredDataset, StoredRefresh } from '../state/StoredEntities';

type Handler = (runtime: EmulatorRuntime, context: RequestContext, params: RouteParams) => Promise<HandlerResult>;

function model(runtime: EmulatorRuntime, context: RequestContext, params: RouteParams, write: boolean) {
    const caller: Caller = authenticate(runtime, context);
    const workspace: WorkspaceAccess = accessWorkspace(runtime, caller, params.groupId);
    if (write) requireWriteRole(workspace);
    const dataset = runtime.store.dataset(workspace.workspace.id, params.datasetId ?? '');
    if (!dataset) throw powerBiErrors.datasetNotFound(params.datasetId ?? '');
    context.log.datasetId = dataset.id;
    return { caller, workspace, dataset };
}

const stateOf = (runtime: EmulatorRuntime, refresh: StoredRefresh) =>
    refreshStateAt(refresh, runtime.clock.nowMs(), runtime.limits.maxRefreshTotalSeconds);

/** Refreshes the service shows: dropped ones are never visible. */
const visibleRefreshes = (dataset: StoredDataset) => dataset.refreshes.filter((refresh) => !refresh.script.dropped);

/** POST .../datasets/{datasetId}/refreshes (Datasets_RefreshDatasetInGroup). */
export const refreshDataset: Handler = async (runtime, context, params) => {
    const { caller, workspace, dataset } = model(runtime, context, params, true);
    const raw = await readBody(context.request, runtime.limits.maxRequestBytes);
    if (dataset.kind === 'push') throw powerBiErrors.refreshOnPushDataset(dataset.id);
    const body = parseJsonBody(context.request, raw, datasetRefreshRequestSchema, 'datasetRefreshRequest', {
        optional: true,
    });
    const now = runtime.clock.nowMs();
    const script = dataset.queuedRefreshScripts[0] ?? dataset.refreshScript;
    const refresh = toStoredRefresh(dataset, body, caller, script, now, runtime.store.state.nextRefreshNumber);
    if (refresh.kind === 'enhanced' && workspace.workspace.capacity === 'Shared')
        throw powerBiErrors.enhancedRefreshNeedsPremium();
    if (workspace.workspace.capacity === 'Shared') enforceSharedQuota(runtime, dataset, now);
    // The service runs one refresh at a time per model ([ER]: 400 Bad Request).
    if (visibleRefreshes(dataset).some((existing) => !stateOf(runtime, existing).terminal)) {
        throw powerBiErrors.refreshAlreadyExecuting();
    }
    runtime.store.nextRefreshNumber();
    if (dataset.queuedRefreshScripts.length > 0) dataset.queuedRefreshScripts.shift();
    dataset.refreshes.push(refresh);
    trimHistory(runtime, dataset);
    runtime.store.changed();
    runtime.logger.info('refresh accepted', {
        datasetId: dataset.id,
        requestId: refresh.requestId,
        kind: refresh.kind,
        dropped: refresh.script.dropped,
    });
    if (refresh.kind === 'standard') return { status: 202 };
    return {
        status: 202,
        headers: {
            Location: `${runtime.url}${workspace.basePath}/datasets/${dataset.id}/refreshes/${refresh.requestId}`,
            'x-ms-request-id': refresh.requestId,
        },
    };
};

/** Refresh types that count against the shared-capacity quota: API and scheduled ones, not on-demand ([RD][RDATA]). */
const quotaRefreshTypes: ReadonlySet<string> = new Set(['ViaApi', 'Scheduled']);
const dayMs = 24 * 60 * 60 * 1000;

/**
 * At most maxSharedRefreshesPerDay counted refreshes per model in any 24 h (a rolling window: the service's
 * exact window, midnight in which time zone or rolling, is UNCONFIRMED; rolling is the stricter reading).
 * Requests count once accepted, dropped ones too. Kept apart from the history so trimming does not forget.
 */
function enforceSharedQuota(runtime: EmulatorRuntime, dataset: StoredDataset, now: number): void {
    const counted = dataset.refreshes.filter(
        (refresh) => quotaRefreshTypes.has(refresh.refreshType) && refresh.acceptedAtMs > now - dayMs,
    ).length;
    if (counted >= runtime.limits.maxSharedRefreshesPerDay)
        throw powerBiErrors.sharedRefreshQuotaExceeded(runtime.limits.maxSharedRefreshesPerDay);
}

/** Keeps at most maxRefreshHistory entries (the docs: up to 60), never dropping one still running. */
function trimHistory(runtime: EmulatorRuntime, dataset: StoredDataset): void {
    const max = runtime.limits.maxRefreshHistory;
    while (dataset.refreshes.length > max) {
        const oldest = dataset.refreshes.findIndex(
            (refresh) => refresh.script.dropped || stateOf(runtime, refresh).terminal,
        );
        if (oldest < 0) break;
        dataset.refreshes.splice(oldest, 1);
    }
}

/** GET .../refreshes[?$top=n] (Datasets_GetRefreshHistoryInGroup), newest first. */
export const getRefreshHistory: Handler = async (runtime, context, params) => {
    const { workspace, dataset } = model(runtime, context, params, false);
    const topParam = context.url.searchParams.get('$top');
    let top = runtime.limits.maxRefreshHistory;
    if (topParam !== null) {
        if (!/^\d+$/.test(topParam) || Number(topParam) < 1) throw powerBiErrors.invalidTop();
        top = Number(topParam);
    }
    const entries = visibleRefreshes(dataset)
        .slice()
        .reverse()
        .slice(0, top)
        .map((refresh) => toRefreshHistoryEntry(refresh, stateOf(runtime, refresh)));
    return {
        status: 200,
        body: { '@odata.context': `${runtime.url}${workspace.basePath}/$metadata#refreshes`, value: entries },
    };
};

function enhancedRefresh(dataset: StoredDataset, refreshId: string): StoredRefresh {
    const wanted = refreshId.toLowerCase();
    // Standard refreshes have no execution details and cannot be cancelled ([ER]); dropped ones are invisible.
    const refresh = visibleRefreshes(dataset).find(
        (candidate) => candidate.requestId === wanted && candidate.kind === 'enhanced',
    );
    if (!refresh) throw powerBiErrors.refreshNotFound(refreshId);
    return refresh;
}

/** GET .../refreshes/{refreshId}: 202 while running, 200 once terminal. */
export const getRefreshExecutionDetails: Handler = async (runtime, context, params) => {
    const { dataset } = model(runtime, context, params, false);
    const refresh = enhancedRefresh(dataset, params.refreshId ?? '');
    const state = stateOf(runtime, refresh);
    return { status: state.terminal ? 200 : 202, body: toRefreshDetail(dataset, refresh, state) };
};

/** DELETE .../refreshes/{refreshId}: cancels a running enhanced refresh (status and extendedStatus become Cancelled). */
export const cancelRefresh: Handler = async (runtime, context, params) => {
    const { dataset } = model(runtime, context, params, true);
    const refresh = enhancedRefresh(dataset, params.refreshId ?? '');
    if (stateOf(runtime, refresh).terminal) throw powerBiErrors.refreshNotCancellable(refresh.requestId);
    refresh.cancelledAtMs = runtime.clock.nowMs();
    runtime.store.changed();
    return { status: 200 };
};
