import type { RefreshRecord } from './refreshRecord';

/** A refresh as the HTTP API shows it (GET /api/refreshes, GET /api/refreshes/{id}). */
export function toRefreshView(record: RefreshRecord) {
    return {
        id: record.id,
        dataset: record.target,
        workspaceId: record.workspaceId,
        datasetId: record.datasetId,
        requestId: record.requestId,
        trigger: record.trigger,
        requestedBy: record.requestedBy,
        status: record.status,
        serviceStatus: record.serviceStatus,
        extendedStatus: record.extendedStatus,
        refreshType: record.refreshType,
        requestedAt: record.requestedAt,
        startTime: record.startTime,
        endTime: record.endTime,
        durationSeconds: record.durationSeconds,
        deadline: record.deadline,
        expectedSeconds: record.expectedSeconds,
        attempts: record.numberOfAttempts,
        startAttempts: record.startAttempts,
        polls: record.polls,
        options: record.options,
        objects: record.objects,
        messages: record.messages,
        refreshAttempts: record.refreshAttempts,
        serviceExceptionJson: record.serviceExceptionJson,
        error: record.error,
        restartOf: record.restartOf,
        restartedAs: record.restartedAs,
        slot: record.slot,
        upstream: record.upstream?.split(','),
    };
}

export type RefreshView = ReturnType<typeof toRefreshView>;
