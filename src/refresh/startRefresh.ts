import { deadlineSeconds, toRefreshRequest } from '../config/refreshTargetSchema';
import { beginPolling } from './beginPolling';
import { failStart, type FailedStart } from './failStart';
import { findTarget } from './findTarget';
import type { RefreshDeps } from './refreshDeps';
import { newRefreshRowKey } from './refreshKey';
import { refreshIdSeparator, type RefreshRecord, type Requester } from './refreshRecord';
import { resolveModel } from './resolveModel';
import { sharedQuotaRefusal } from './sharedRefreshQuota';
import { startWithBudget } from './startWithBudget';
import { takeRefreshLock, type LockOutcome } from './takeRefreshLock';
import { usualDurationSeconds } from './usualDuration';

export interface StartRequest {
    /** A configured target's name; may be left out when exactly one target is configured. */
    target?: string;
    requestedBy: Requester;
    /** The tracking id of a dropped refresh this start replaces. */
    restartOf?: string;
    /** The schedule slot a timer start is for. */
    slot?: Date;
    /** The upstream refreshes a chained start follows. */
    upstream?: string[];
}

export type StartOutcome =
    | { kind: 'started'; record: RefreshRecord }
    /** The service was already running a refresh of the model; the relay follows that one instead. */
    | { kind: 'attached'; record: RefreshRecord }
    /** The relay is already following a refresh of this model (single flight). */
    | Exclude<LockOutcome, { kind: 'acquired' }>
    /** The start was refused or could not be made within the budget; recorded as Failed. */
    | FailedStart
    | { kind: 'unknownTarget'; target?: string; targets: string[] };

const addSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

/**
 * Starts an enhanced refresh of one target (a standard one on shared capacity, within its daily quota), at most one per model: the model's lock in Table storage is
 * taken first, so overlapping timer runs, several instances and a manual start race for the lock instead
 * of racing Power BI. A refresh the service is already running (400 "Another refresh request is already
 * executing", or 409) is attached to and followed. Throttling and transient failures are retried within
 * REFRESH_START_BUDGET_SECONDS; everything else is recorded as a failed start with the service's words.
 */
export async function startRefresh(request: StartRequest, deps: RefreshDeps): Promise<StartOutcome> {
    const target = findTarget(request.target, deps.targets);
    if (target === undefined)
        return { kind: 'unknownTarget', target: request.target, targets: deps.targets.map((t) => t.name) };

    const requestedAt = deps.now();
    const rowKey = newRefreshRowKey(requestedAt);
    // Partition templates are expanded once, at the request time, and recorded as sent.
    const body = toRefreshRequest(target, requestedAt);
    const record: RefreshRecord = {
        id: `${target.name}${refreshIdSeparator}${rowKey}`,
        target: target.name,
        rowKey,
        workspaceId: target.workspaceId ?? deps.defaultWorkspaceId,
        trigger: request.requestedBy,
        requestedBy: request.requestedBy,
        status: 'Starting',
        requestedAt: requestedAt.toISOString(),
        deadline: addSeconds(requestedAt, deadlineSeconds(target)).toISOString(),
        startAttempts: 0,
        polls: 0,
        options: body,
        restartOf: request.restartOf,
        slot: request.slot?.toISOString(),
        upstream: request.upstream?.join(','),
    };

    const resolved = await resolveModel(target, deps);
    if (!resolved.ok) return failStart(await deps.history.create(record), resolved.failure, deps);
    const model = resolved.model;
    record.datasetId = model.datasetId;

    const lock = await takeRefreshLock(model, record, deps);
    if (lock.kind !== 'acquired') return lock;

    record.expectedSeconds = await usualDurationSeconds(target.name, deps.history);
    const stored = await deps.history.create(record);
    if (target.sharedCapacity) {
        const refusal = await sharedQuotaRefusal(deps.api, model, requestedAt);
        if (refusal) return failStart(stored, refusal, deps);
    }
    const budgetEnds = addSeconds(requestedAt, deps.startBudgetSeconds);
    const start = await startWithBudget(model, body, request.requestedBy, budgetEnds, deps);
    const attempted = { ...stored, record: { ...stored.record, startAttempts: start.attempts } };
    if (!start.ok) return failStart(attempted, start.failure, deps);
    return { kind: start.refresh.kind, record: await beginPolling(attempted, start.refresh, deps) };
}
