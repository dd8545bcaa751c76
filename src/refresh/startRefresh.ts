import { deadlineSeconds, toRefreshRequest, type RefreshTarget } from '../config/refreshTargetSchema';
import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import { isRefreshAlreadyRunning } from '../powerbi/isRefreshAlreadyRunning';
import type { ModelRef } from '../powerbi/refreshApi';
import type { RefreshHistoryEntry } from '../powerbi/refreshSchemas';
import { retryDelaySeconds } from '../push/retryDelay';
import { findRunningRefresh } from './findRunningRefresh';
import { pollDelaySeconds } from './pollDelay';
import { toPollMessage } from './pollMessage';
import { recordOutcome } from './recordOutcome';
import type { RefreshDeps } from './refreshDeps';
import type { StoredRefresh } from './refreshHistory';
import { fromRefreshId, newRefreshRowKey } from './refreshKey';
import { isTerminal, refreshIdSeparator, type RefreshRecord, type Requester } from './refreshRecord';
import { resolveModel } from './resolveModel';
import { sharedQuotaRefusal } from './sharedRefreshQuota';
import { secondsRunning, secondsToExpectedEnd, usualDurationSeconds } from './usualDuration';
import type { QueuedAlert } from './queueAlert';

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
    | { kind: 'alreadyRunning'; target: string; runningId: string; running?: RefreshRecord }
    /** The start was refused or could not be made within the budget; recorded as Failed. */
    | {
          kind: 'failed';
          record: RefreshRecord;
          failure: PowerBiFailure;
          notification?: QueuedAlert;
      }
    | { kind: 'unknownTarget'; target?: string; targets: string[] };

/** Back-off between start retries when the service gives no Retry-After. */
const startRetry = { baseSeconds: 2, maxSeconds: 30 };
/** A lock whose holder never wrote its record (a crash right after locking) is stale after this long. */
const orphanLockSeconds = 300;

const addSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

export function findTarget(name: string | undefined, targets: RefreshTarget[]): RefreshTarget | undefined {
    if (name === undefined) return targets.length === 1 ? targets[0] : undefined;
    return targets.find((target) => target.name.toLowerCase() === name.toLowerCase());
}

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
    const id = `${target.name}${refreshIdSeparator}${rowKey}`;
    const deadline = addSeconds(requestedAt, deadlineSeconds(target));
    // Partition templates are expanded once, at the request time, and recorded as sent.
    const body = toRefreshRequest(target, requestedAt);
    const record: RefreshRecord = {
        id,
        target: target.name,
        rowKey,
        workspaceId: target.workspaceId ?? deps.defaultWorkspaceId,
        trigger: request.requestedBy,
        requestedBy: request.requestedBy,
        status: 'Starting',
        requestedAt: requestedAt.toISOString(),
        deadline: deadline.toISOString(),
        startAttempts: 0,
        polls: 0,
        options: body,
        restartOf: request.restartOf,
        slot: request.slot?.toISOString(),
        upstream: request.upstream?.join(','),
    };

    const resolved = await resolveModel(target, deps);
    if (!resolved.ok) {
        const stored = await deps.history.create(record);
        return failStart(stored, resolved.failure, deps);
    }
    const model = resolved.model;
    record.datasetId = model.datasetId;

    const busy = await takeLock(model, record, deps);
    if (busy) return busy;

    record.expectedSeconds = await usualDurationSeconds(target.name, deps.history);
    let stored = await deps.history.create(record);
    if (target.sharedCapacity) {
        const refusal = await sharedQuotaRefusal(deps.api, model, requestedAt);
        if (refusal) return failStart(stored, refusal, deps);
    }
    const budgetEnds = addSeconds(requestedAt, deps.startBudgetSeconds).getTime();
    for (let attempt = 1; ; attempt += 1) {
        stored = { ...stored, record: { ...stored.record, startAttempts: attempt } };
        const started = await deps.api.startRefresh(model, body);
        let failure: PowerBiFailure;
        if (started.ok && started.value.refreshId !== undefined) {
            return beginPolling(
                stored,
                { requestId: started.value.refreshId, trigger: request.requestedBy },
                deps,
                'started',
            );
        }
        if (started.ok || isRefreshAlreadyRunning(started.failure)) {
            // A 202 without an id should not happen for an enhanced refresh; the history knows which one runs.
            const running = await findRunningRefresh(deps.api, model);
            if (running.ok && running.value?.requestId) {
                const attached = started.ok ? request.requestedBy : 'attached';
                return beginPolling(
                    stored,
                    { requestId: running.value.requestId, trigger: attached, entry: running.value },
                    deps,
                    started.ok ? 'started' : 'attached',
                );
            }
            failure = running.ok
                ? started.ok
                    ? {
                          kind: 'transient',
                          status: started.status,
                          message:
                              'Power BI accepted the refresh without a request id and the history shows none running',
                      }
                    : { ...started.failure, kind: 'transient' }
                : running.failure;
        } else {
            failure = started.failure;
        }
        if (failure.kind !== 'throttled' && failure.kind !== 'transient') return failStart(stored, failure, deps);
        const wait =
            failure.kind === 'throttled'
                ? failure.retryAfterSeconds
                : retryDelaySeconds(attempt, startRetry, failure.retryAfterSeconds ?? 0);
        if (deps.now().getTime() + wait * 1000 > budgetEnds) return failStart(stored, failure, deps);
        await deps.sleep(wait);
    }
}

/** Takes the model's lock for `record`, or says who holds it; a holder that already ended (or never began) is taken over. */
async function takeLock(model: ModelRef, record: RefreshRecord, deps: RefreshDeps): Promise<StartOutcome | undefined> {
    const now = deps.now();
    const holder = {
        refreshId: record.id,
        target: record.target,
        acquiredAt: now.toISOString(),
        // Past the deadline the poller has cancelled; the lock outlives it by the drop grace and one poll.
        expiresAt: addSeconds(new Date(record.deadline), deps.dropGraceSeconds + deps.poll.maxSeconds).toISOString(),
    };
    let result = await deps.locks.acquire(model, holder);
    if (result.kind === 'acquired') return undefined;
    let running = await holderRecord(result.lock.refreshId, deps);
    const orphaned =
        running === undefined && now.getTime() - Date.parse(result.lock.acquiredAt) > orphanLockSeconds * 1000;
    if (orphaned || (running !== undefined && isTerminal(running.status))) {
        const stale = result.lock.refreshId;
        result = await deps.locks.acquire(model, holder, result.etag);
        if (result.kind === 'acquired') return undefined;
        if (result.lock.refreshId !== stale) running = await holderRecord(result.lock.refreshId, deps);
    }
    return { kind: 'alreadyRunning', target: record.target, runningId: result.lock.refreshId, running };
}

async function holderRecord(refreshId: string, deps: RefreshDeps): Promise<RefreshRecord | undefined> {
    const key = fromRefreshId(refreshId);
    return key ? (await deps.history.get(key.target, key.rowKey))?.record : undefined;
}

async function beginPolling(
    stored: StoredRefresh,
    start: { requestId: string; trigger: RefreshRecord['trigger']; entry?: RefreshHistoryEntry },
    deps: RefreshDeps,
    kind: 'started' | 'attached',
): Promise<StartOutcome> {
    const now = deps.now();
    const record: RefreshRecord = {
        ...stored.record,
        status: 'Running',
        requestId: start.requestId,
        trigger: start.trigger,
        refreshType: start.entry?.refreshType,
        startTime: start.entry?.startTime,
        extendedStatus: start.entry?.extendedStatus,
    };
    const delay = pollDelaySeconds(
        0,
        deps.poll,
        (Date.parse(record.deadline) - now.getTime()) / 1000,
        secondsToExpectedEnd(record, now),
        secondsRunning(record, now),
    );
    const message = toPollMessage(record, { datasetId: record.datasetId ?? '', requestId: start.requestId }, 0);
    // The poll message goes first: if the process dies before the record says Running, the message still
    // carries the request id and the poller completes the record.
    await deps.queue.send(message, delay);
    const written = await deps.history.update(record, stored.etag);
    if (written.kind === 'conflict') {
        // The first check ran already (a short delay near the deadline) and holds the newer truth.
        const current = await deps.history.get(record.target, record.rowKey);
        return { kind, record: current?.record ?? record };
    }
    return { kind, record };
}

async function failStart(stored: StoredRefresh, failure: PowerBiFailure, deps: RefreshDeps): Promise<StartOutcome> {
    const recorded = await recordOutcome(
        stored,
        (current) => ({
            ...current,
            ...stored.record,
            status: 'Failed',
            endTime: deps.now().toISOString(),
            error: { status: failure.status, code: failure.code ?? failure.kind, message: failure.message },
        }),
        deps,
    );
    return {
        kind: 'failed',
        record: recorded.record,
        failure,
        notification: recorded.kind === 'recorded' ? recorded.notification : undefined,
    };
}
