import type { RefreshDetail, RefreshHistoryEntry } from '../powerbi/refreshSchemas';
import type { RefreshRecord } from './refreshRecord';
import { toRefreshStatus } from './toRefreshStatus';

const secondsBetween = (start: string | undefined, end: string | undefined): number | undefined => {
    if (start === undefined || end === undefined) return undefined;
    const ms = Date.parse(end) - Date.parse(start);
    return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 100) / 10 : undefined;
};

/** The record updated with what GET .../refreshes/{id} reported (execution details of an enhanced refresh). */
export function applyRefreshDetail(record: RefreshRecord, detail: RefreshDetail): RefreshRecord {
    const endTime = detail.endTime ?? record.endTime;
    const startTime = detail.startTime ?? record.startTime;
    return {
        ...record,
        status: toRefreshStatus(detail.status, detail.extendedStatus),
        serviceStatus: detail.status,
        extendedStatus: detail.extendedStatus,
        startTime,
        endTime,
        durationSeconds: secondsBetween(startTime, endTime),
        numberOfAttempts: detail.numberOfAttempts ?? detail.refreshAttempts?.length ?? record.numberOfAttempts,
        objects: detail.objects ?? record.objects,
        messages: detail.messages ?? record.messages,
        refreshAttempts: detail.refreshAttempts ?? record.refreshAttempts,
        serviceExceptionJson:
            [...(detail.refreshAttempts ?? [])].reverse().find((attempt) => attempt.serviceExceptionJson)
                ?.serviceExceptionJson ?? record.serviceExceptionJson,
    };
}

/** The record updated with its entry in the refresh history (the only view of standard refreshes). */
export function applyHistoryEntry(record: RefreshRecord, entry: RefreshHistoryEntry): RefreshRecord {
    const endTime = entry.endTime ?? record.endTime;
    const startTime = entry.startTime ?? record.startTime;
    return {
        ...record,
        status: toRefreshStatus(entry.status, entry.extendedStatus),
        serviceStatus: entry.status,
        extendedStatus: entry.extendedStatus ?? record.extendedStatus,
        refreshType: entry.refreshType ?? record.refreshType,
        startTime,
        endTime,
        durationSeconds: secondsBetween(startTime, endTime),
        numberOfAttempts: entry.refreshAttempts?.length ?? record.numberOfAttempts,
        refreshAttempts: entry.refreshAttempts ?? record.refreshAttempts,
        serviceExceptionJson: entry.serviceExceptionJson || record.serviceExceptionJson,
    };
}

export { secondsBetween };
