import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import type { ModelRef, RefreshApi } from '../powerbi/refreshApi';
import type { RefreshHistoryEntry } from '../powerbi/refreshSchemas';
import { findRunningRefresh } from './findRunningRefresh';
import type { RefreshRecord } from './refreshRecord';

/** A refresh the service runs for a start: the one it accepted, or the one it was already running. */
export interface ServiceRefresh {
    kind: 'started' | 'attached';
    requestId: string;
    trigger: RefreshRecord['trigger'];
    /** The history entry the request id was found in (attached refreshes). */
    entry?: RefreshHistoryEntry;
}

export type AttachResult = { ok: true; refresh: ServiceRefresh } | { ok: false; failure: PowerBiFailure };

/**
 * The refresh to follow when the service answered a start without a request id (`accepted`, which should
 * not happen for an enhanced refresh) or refused it because one is already running: the history knows
 * which one runs. Not finding it is transient: the start budget tries again.
 */
export async function attachRunningRefresh(
    api: Pick<RefreshApi, 'getRefreshHistory'>,
    model: ModelRef,
    answer:
        | { accepted: true; status: number; requestedBy: RefreshRecord['trigger'] }
        | { accepted: false; failure: PowerBiFailure },
): Promise<AttachResult> {
    const running = await findRunningRefresh(api, model);
    if (!running.ok) return { ok: false, failure: running.failure };
    if (running.value?.requestId) {
        return {
            ok: true,
            refresh: {
                kind: answer.accepted ? 'started' : 'attached',
                requestId: running.value.requestId,
                trigger: answer.accepted ? answer.requestedBy : 'attached',
                entry: running.value,
            },
        };
    }
    const failure: PowerBiFailure = answer.accepted
        ? {
              kind: 'transient',
              status: answer.status,
              message: 'Power BI accepted the refresh without a request id and the history shows none running',
          }
        : { ...answer.failure, kind: 'transient' };
    return { ok: false, failure };
}
