import type { PowerBiResult } from '../powerbi/powerBiClient';
import type { ModelRef, RefreshApi } from '../powerbi/refreshApi';
import type { RefreshHistoryEntry } from '../powerbi/refreshSchemas';
import { toRefreshStatus } from './toRefreshStatus';

/** Enough history to reach a running refresh behind a few recent ones; the service keeps at most 60. */
const historyTop = 10;

/**
 * The refresh the service is running (or has queued) for a model, newest first, from its history: the one
 * the relay follows when the service refuses a second one.
 */
export async function findRunningRefresh(
    api: Pick<RefreshApi, 'getRefreshHistory'>,
    model: ModelRef,
): Promise<PowerBiResult<RefreshHistoryEntry | undefined>> {
    const history = await api.getRefreshHistory(model, historyTop);
    if (!history.ok) return history;
    const running = history.value.find(
        (entry) =>
            entry.requestId && toRefreshStatus(entry.status, entry.extendedStatus) === 'Running' && !entry.endTime,
    );
    return { ...history, value: running };
}

/** A refresh's entry in the history, looked up by its own request id (never "the latest"). */
export async function findRefreshInHistory(
    api: Pick<RefreshApi, 'getRefreshHistory'>,
    model: ModelRef,
    requestId: string,
): Promise<PowerBiResult<RefreshHistoryEntry | undefined>> {
    const history = await api.getRefreshHistory(model, 60);
    if (!history.ok) return history;
    return {
        ...history,
        value: history.value.find((entry) => entry.requestId?.toLowerCase() === requestId.toLowerCase()),
    };
}
