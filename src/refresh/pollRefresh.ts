import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import type { ModelRef } from '../powerbi/refreshApi';
import { applyHistoryEntry, applyRefreshDetail, secondsBetween } from './applyServiceState';
import { findRefreshInHistory } from './findRunningRefresh';
import { pollDelaySeconds } from './pollDelay';
import type { PollMessage } from './pollMessage';
import { recordOutcome, type RecordOutcome } from './recordOutcome';
import type { RefreshDeps } from './refreshDeps';
import type { StoredRefresh } from './refreshHistory';
import { isTerminal, type RefreshRecord, type TerminalStatus } from './refreshRecord';
import { findTarget } from './findTarget';
import { toRestartMessage } from './restartMessage';
import { secondsRunning, secondsToExpectedEnd } from './usualDuration';
import type { QueuedAlert } from './queueAlert';

export type PollOutcome =
    /** Still running: the next check is queued. `problem` is a status call that failed and will be retried. */
    | { kind: 'running'; record: RefreshRecord; delaySeconds: number; problem?: PowerBiFailure }
    | {
          kind: 'recorded';
          record: RefreshRecord;
          notification?: QueuedAlert;
          /** A dropped refresh whose target restarts it: the restart is queued (see restartDroppedRefresh). */
          restartQueued?: boolean;
      }
    /** A duplicate or superseded message; nothing was done. */
    | { kind: 'stale'; id: string; reason: string };

type Observation =
    | { kind: 'seen'; record: RefreshRecord }
    | { kind: 'notSeen'; failure?: PowerBiFailure }
    | { kind: 'unreadable'; failure: PowerBiFailure };

/**
 * One status check of one refresh, by its own request id. It reads execution details (202 running, 200
 * ended); a refresh the details do not know (a standard refresh the relay attached to, or one the service
 * dropped) is looked up in the refresh history. Running refreshes get the next check queued with back-off;
 * past the deadline the refresh is cancelled and recorded TimedOut; one never seen within the grace period
 * is recorded Dropped. Terminal outcomes are recorded once (see recordOutcome).
 */
export async function pollRefresh(message: PollMessage, deps: RefreshDeps): Promise<PollOutcome> {
    const stored = await deps.history.get(message.target, message.rowKey);
    if (stored === undefined)
        return { kind: 'stale', id: message.id, reason: 'no such refresh in the history (deleted by retention?)' };
    if (stored.record.status === 'Dropped' && awaitsRestart(stored.record, deps)) {
        // This check recorded the drop and then stopped before it queued the restart: the host delivers it again.
        await deps.queue.send(toRestartMessage(stored.record), 0);
        return { kind: 'stale', id: message.id, reason: 'already recorded Dropped; its restart is queued again' };
    }
    if (isTerminal(stored.record.status))
        return { kind: 'stale', id: message.id, reason: `already recorded ${stored.record.status}` };
    if (message.poll < stored.record.polls)
        return { kind: 'stale', id: message.id, reason: `check ${message.poll} was already made` };

    const model: ModelRef = { workspaceId: message.workspaceId, datasetId: message.datasetId };
    const now = deps.now();
    const base: RefreshRecord = {
        ...stored.record,
        // The start sends the message before it records the request id; a crash in between is completed here.
        requestId: stored.record.requestId ?? message.requestId,
        status: 'Running',
        polls: message.poll + 1,
        lastPolledAt: now.toISOString(),
    };
    const standard = findTarget(message.target, deps.targets)?.sharedCapacity === true;
    const observation = await observe(model, message.requestId, base, deps, standard);

    if (observation.kind === 'seen' && isTerminal(observation.record.status)) {
        const status = observation.record.status as TerminalStatus;
        return finish(stored, () => ({ ...observation.record, status }), deps);
    }

    const pastDeadline = now.getTime() >= Date.parse(base.deadline);
    const sinceRequest = (now.getTime() - Date.parse(base.requestedAt)) / 1000;
    if (observation.kind === 'notSeen' && sinceRequest >= deps.dropGraceSeconds) {
        return dropped(stored, base, deps);
    }
    if (pastDeadline) {
        const current = observation.kind === 'seen' ? observation.record : base;
        // A standard refresh (shared capacity) cannot be cancelled: it is recorded TimedOut and let be.
        const cancelled = standard ? undefined : await deps.api.cancelRefresh(model, message.requestId);
        const cancelError =
            cancelled === undefined || cancelled.ok ? undefined : `cancel failed: ${cancelled.failure.message}`;
        return finish(
            stored,
            () => ({
                ...current,
                status: 'TimedOut',
                endTime: now.toISOString(),
                durationSeconds: secondsBetween(current.startTime ?? current.requestedAt, now.toISOString()),
                error: {
                    code: 'DeadlineReached',
                    message: [
                        standard
                            ? `pbi-relay stopped following the standard refresh at its deadline ${base.deadline} (standard refreshes cannot be cancelled; the service may still finish it)`
                            : `pbi-relay cancelled the refresh at its deadline ${base.deadline}`,
                        cancelError,
                    ]
                        .filter(Boolean)
                        .join('; '),
                },
            }),
            deps,
        );
    }

    const running = observation.kind === 'seen' ? observation.record : base;
    const problem = observation.kind === 'seen' ? undefined : observation.failure;
    let delay = pollDelaySeconds(
        message.poll + 1,
        deps.poll,
        (Date.parse(base.deadline) - now.getTime()) / 1000,
        secondsToExpectedEnd(running, now),
        secondsRunning(running, now),
    );
    if (problem?.kind === 'throttled') delay = Math.max(delay, problem.retryAfterSeconds);
    const next: PollMessage = { ...message, poll: message.poll + 1 };
    delete next.notBefore;
    // Queue the next check before recording this one: a crash in between leaves a duplicate check (dropped
    // as stale by its poll number), never a refresh nobody follows.
    await deps.queue.send(next, delay);
    const written = await deps.history.update(running, stored.etag);
    if (written.kind === 'conflict')
        return { kind: 'stale', id: message.id, reason: 'another poller handled this check' };
    return { kind: 'running', record: running, delaySeconds: delay, problem };
}

async function observe(
    model: ModelRef,
    requestId: string,
    base: RefreshRecord,
    deps: RefreshDeps,
    standard: boolean,
): Promise<Observation> {
    if (standard) return observeInHistory(model, requestId, base, deps);
    const detail = await deps.api.getRefreshDetail(model, requestId);
    if (detail.ok) {
        const record = applyRefreshDetail(base, detail.value.detail);
        // 202 means running whatever the body says; 200 with status Unknown is read from the body.
        return { kind: 'seen', record: detail.value.running ? { ...record, status: 'Running' } : record };
    }
    if (detail.failure.kind !== 'permanent') return { kind: 'unreadable', failure: detail.failure };
    // Execution details exist only for enhanced refreshes; the history also shows standard ones (and is
    // the documented place where a dropped request never appears).
    return observeInHistory(model, requestId, base, deps, detail.failure);
}

/** A refresh looked up in the history by its request id: the only view of a standard refresh. */
async function observeInHistory(
    model: ModelRef,
    requestId: string,
    base: RefreshRecord,
    deps: RefreshDeps,
    detailFailure?: PowerBiFailure,
): Promise<Observation> {
    const entry = await findRefreshInHistory(deps.api, model, requestId);
    if (!entry.ok) return { kind: 'unreadable', failure: entry.failure };
    if (entry.value === undefined) return { kind: 'notSeen', failure: detailFailure };
    return { kind: 'seen', record: applyHistoryEntry(base, entry.value) };
}

async function finish(
    stored: StoredRefresh,
    outcome: (current: RefreshRecord) => RefreshRecord & { status: TerminalStatus },
    deps: RefreshDeps,
): Promise<PollOutcome> {
    const recorded: RecordOutcome = await recordOutcome(stored, outcome, deps);
    if (recorded.kind === 'alreadyRecorded')
        return { kind: 'stale', id: recorded.record.id, reason: `already recorded ${recorded.record.status}` };
    return { kind: 'recorded', record: recorded.record, notification: recorded.notification };
}

/** Accepted but never visible: the service may drop requests when too many arrive. A restart is queued once if the target asks for it. */
async function dropped(stored: StoredRefresh, base: RefreshRecord, deps: RefreshDeps): Promise<PollOutcome> {
    const now = deps.now().toISOString();
    const recorded = await recordOutcome(
        stored,
        () => ({
            ...base,
            status: 'Dropped',
            endTime: now,
            error: {
                code: 'RefreshDropped',
                message: `Power BI accepted refresh ${base.requestId} but it never appeared in the refresh history within ${deps.dropGraceSeconds} s`,
            },
        }),
        deps,
    );
    if (recorded.kind === 'alreadyRecorded')
        return { kind: 'stale', id: recorded.record.id, reason: `already recorded ${recorded.record.status}` };
    if (!awaitsRestart(recorded.record, deps))
        return { kind: 'recorded', record: recorded.record, notification: recorded.notification };
    await deps.queue.send(toRestartMessage(recorded.record), 0);
    return { kind: 'recorded', record: recorded.record, notification: recorded.notification, restartQueued: true };
}

/** A drop its target restarts (once: a restart is not restarted) that has not been restarted yet. */
function awaitsRestart(record: RefreshRecord, deps: Pick<RefreshDeps, 'targets'>): boolean {
    const target = findTarget(record.target, deps.targets);
    return target?.restartWhenDropped === true && record.restartOf === undefined && record.restartedAs === undefined;
}
