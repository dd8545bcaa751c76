import type { RefreshTarget } from '../config/refreshTargetSchema';
import type { RefreshDeps } from './refreshDeps';
import { newRefreshRowKey } from './refreshKey';
import { refreshIdSeparator, type RefreshRecord } from './refreshRecord';

/** Writes the history entry that says a chained target did not start because its upstream did not complete. */
export async function recordBlocked(
    target: RefreshTarget,
    upstream: RefreshRecord[],
    deps: Pick<RefreshDeps, 'history' | 'defaultWorkspaceId' | 'now'>,
): Promise<RefreshRecord> {
    const now = deps.now().toISOString();
    const rowKey = newRefreshRowKey(deps.now());
    const record: RefreshRecord = {
        id: `${target.name}${refreshIdSeparator}${rowKey}`,
        target: target.name,
        rowKey,
        workspaceId: target.workspaceId ?? deps.defaultWorkspaceId,
        datasetId: target.datasetId,
        trigger: 'chain',
        requestedBy: 'chain',
        status: 'Blocked',
        requestedAt: now,
        deadline: now,
        endTime: now,
        startAttempts: 0,
        polls: 0,
        upstream: upstream.map((record) => record.id).join(','),
        error: {
            code: 'UpstreamNotCompleted',
            message: `Not started: ${upstream.map((record) => `${record.target} ended ${record.status} (${record.id})`).join('; ')}`,
        },
        recordedAt: now,
    };
    await deps.history.create(record);
    return record;
}
