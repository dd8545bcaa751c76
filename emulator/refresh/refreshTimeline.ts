import type { StoredRefresh } from '../state/StoredEntities';

export interface AttemptPlan {
    attemptId: number;
    startMs: number;
    endMs: number;
    outcome: 'success' | 'failure' | 'timeout';
}

export interface RefreshPlan {
    startMs: number;
    attempts: AttemptPlan[];
    endMs: number;
    outcome: 'Completed' | 'Failed' | 'TimedOut';
}

/**
 * The whole life of a refresh, derived from its script and request: attempts run back to back,
 * a failing attempt is retried while retryCount allows, each attempt stops at `timeout`, and the
 * whole refresh stops at the 24-hour cap. State at any instant is read off this plan, so the
 * emulator needs no timers and a frozen clock gives deterministic answers.
 */
export function planRefresh(refresh: StoredRefresh, maxTotalSeconds: number): RefreshPlan {
    const { script } = refresh;
    const startMs = refresh.acceptedAtMs + script.startDelaySeconds * 1000;
    const deadlineMs = startMs + maxTotalSeconds * 1000;
    const timeoutMs = refresh.timeoutSeconds * 1000;
    const durationMs = script.durationSeconds * 1000;
    const attempts: AttemptPlan[] = [];
    let cursor = startMs;
    for (let index = 0; index <= refresh.retryCount; index++) {
        let outcome: AttemptPlan['outcome'];
        let endMs: number;
        if (script.outcome === 'timeout' || durationMs > timeoutMs) {
            outcome = 'timeout';
            endMs = cursor + timeoutMs;
        } else {
            const fails = script.outcome === 'failure' || index < script.failedAttempts;
            outcome = fails ? 'failure' : 'success';
            endMs = cursor + durationMs;
        }
        if (endMs > deadlineMs) {
            attempts.push({ attemptId: index + 1, startMs: cursor, endMs: deadlineMs, outcome: 'timeout' });
            break;
        }
        attempts.push({ attemptId: index + 1, startMs: cursor, endMs, outcome });
        cursor = endMs;
        if (outcome === 'success') break;
    }
    const last = attempts[attempts.length - 1]!;
    return {
        startMs,
        attempts,
        endMs: last.endMs,
        outcome: last.outcome === 'success' ? 'Completed' : last.outcome === 'timeout' ? 'TimedOut' : 'Failed',
    };
}

export interface RefreshState {
    status: 'Unknown' | 'Completed' | 'Failed' | 'Cancelled';
    extendedStatus: 'NotStarted' | 'InProgress' | 'Completed' | 'Failed' | 'TimedOut' | 'Cancelled';
    terminal: boolean;
    endMs?: number;
    /** Attempts started by now; endMs only when they have ended by now (or were cut by a cancel). */
    attempts: { attemptId: number; startMs: number; endMs?: number; outcome?: AttemptPlan['outcome'] }[];
}

/** The refresh as seen at `nowMs`. */
export function refreshStateAt(refresh: StoredRefresh, nowMs: number, maxTotalSeconds: number): RefreshState {
    const plan = planRefresh(refresh, maxTotalSeconds);
    const cancelledAt =
        refresh.cancelledAtMs !== undefined && refresh.cancelledAtMs < plan.endMs ? refresh.cancelledAtMs : undefined;
    const horizon = Math.min(nowMs, cancelledAt ?? Number.POSITIVE_INFINITY);
    const attempts = plan.attempts
        .filter((attempt) => attempt.startMs <= horizon)
        .map((attempt) =>
            attempt.endMs <= horizon
                ? {
                      attemptId: attempt.attemptId,
                      startMs: attempt.startMs,
                      endMs: attempt.endMs,
                      outcome: attempt.outcome,
                  }
                : cancelledAt !== undefined
                  ? { attemptId: attempt.attemptId, startMs: attempt.startMs, endMs: cancelledAt }
                  : { attemptId: attempt.attemptId, startMs: attempt.startMs },
        );
    if (cancelledAt !== undefined && cancelledAt <= nowMs) {
        return { status: 'Cancelled', extendedStatus: 'Cancelled', terminal: true, endMs: cancelledAt, attempts };
    }
    if (nowMs >= plan.endMs) {
        const status = plan.outcome === 'Completed' ? 'Completed' : 'Failed';
        return { status, extendedStatus: plan.outcome, terminal: true, endMs: plan.endMs, attempts };
    }
    return {
        status: 'Unknown',
        extendedStatus: nowMs < plan.startMs ? 'NotStarted' : 'InProgress',
        terminal: false,
        attempts,
    };
}
