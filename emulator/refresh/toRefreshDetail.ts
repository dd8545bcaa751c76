import type { DatasetRefreshDetail } from '../schemas/responseSchemas';
import type { StoredDataset, StoredRefresh } from '../state/StoredEntities';
import { failureMessages } from './failureReport';
import type { RefreshState } from './refreshTimeline';
import { toRefreshHistoryEntry } from './toRefreshHistoryEntry';

const iso = (ms: number) => new Date(ms).toISOString();

/** DatasetRefreshDetail for GET .../refreshes/{refreshId}: per-object status, engine messages, attempts. */
export function toRefreshDetail(
    dataset: StoredDataset,
    refresh: StoredRefresh,
    state: RefreshState,
): DatasetRefreshDetail {
    const objects =
        refresh.objects.length > 0
            ? refresh.objects.flatMap((object) =>
                  object.partition !== undefined
                      ? [{ table: object.table, partition: object.partition }]
                      : partitionsOf(dataset, object.table).map((partition) => ({ table: object.table, partition })),
              )
            : dataset.tables.flatMap((table) =>
                  table.partitions.map((partition) => ({ table: table.name, partition })),
              );
    const failed = state.status === 'Failed' && state.extendedStatus === 'Failed';
    return {
        startTime: iso(refresh.acceptedAtMs),
        ...(state.endMs !== undefined ? { endTime: iso(state.endMs) } : {}),
        type: refresh.type,
        commitMode: refresh.commitMode,
        status: state.status,
        extendedStatus: state.extendedStatus,
        currentRefreshType: refresh.type,
        numberOfAttempts: state.attempts.length,
        objects: objects.map((object) => ({ ...object, status: state.extendedStatus })),
        ...(failed ? { messages: failureMessages(refresh) } : {}),
        refreshAttempts: toRefreshHistoryEntry(refresh, state).refreshAttempts ?? [],
    };
}

function partitionsOf(dataset: StoredDataset, tableName: string): string[] {
    return dataset.tables.find((table) => table.name === tableName)?.partitions ?? [];
}
