import type { RefreshHistoryEntry } from '../schemas/responseSchemas';
import type { StoredRefresh } from '../state/StoredEntities';
import { serviceExceptionJson } from './failureReport';
import type { RefreshState } from './refreshTimeline';

const iso = (ms: number) => new Date(ms).toISOString();

/** A Refresh history entry: requestId, id, refreshType, times, status, extendedStatus, attempts. */
export function toRefreshHistoryEntry(refresh: StoredRefresh, state: RefreshState): RefreshHistoryEntry {
    const failedAttempt = [...state.attempts]
        .reverse()
        .find((attempt) => attempt.outcome === 'failure' || attempt.outcome === 'timeout');
    const failed = state.status === 'Failed';
    return {
        requestId: refresh.requestId,
        id: refresh.id,
        refreshType: refresh.refreshType,
        startTime: iso(refresh.acceptedAtMs),
        ...(state.endMs !== undefined ? { endTime: iso(state.endMs) } : {}),
        ...(failed && failedAttempt?.outcome
            ? {
                  serviceExceptionJson: serviceExceptionJson(
                      refresh,
                      failedAttempt.outcome === 'timeout' ? 'timeout' : 'failure',
                  ),
              }
            : {}),
        status: state.status,
        extendedStatus: state.extendedStatus,
        refreshAttempts: state.attempts.map((attempt) => ({
            attemptId: attempt.attemptId,
            startTime: iso(attempt.startMs),
            ...(attempt.endMs !== undefined ? { endTime: iso(attempt.endMs) } : {}),
            ...(attempt.outcome === 'failure' || attempt.outcome === 'timeout'
                ? { serviceExceptionJson: serviceExceptionJson(refresh, attempt.outcome) }
                : {}),
            type: 'Data' as const,
        })),
    };
}
