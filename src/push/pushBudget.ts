import { z } from 'zod';

/** Power BI's Add Rows limits per dataset (powerbi-facts.md section 2); every one is an app setting. */
export interface PushLimits {
    callsPerMinute: number;
    rowsPerHour: number;
    pendingCalls: number;
    /** Once a table holds this many rows, the dataset may make only `callsPerHourPastCliff` calls an hour. */
    cliffTableRows: number;
    callsPerHourPastCliff: number;
    /** How long a granted call counts as pending when its instance never releases it (it crashed). */
    pendingLeaseMs: number;
}

const minuteMs = 60_000;
const hourMs = 3_600_000;
/**
 * Instances' clocks and Power BI's differ by a little; every window is treated as this much longer, so a
 * call the relay allows is one Power BI allows too.
 */
const clockMarginMs = 1_000;

/**
 * One dataset's recent Add Rows calls as all instances see them, kept in one Table-storage entity. Calls of
 * the last minute are kept exactly; the last hour's calls and rows in per-minute buckets, so the entity stays
 * small (under 64 KiB) whatever the traffic. Per-table row counts are never purged: they say whether a table
 * is past the 250,000-row cliff.
 */
export const budgetStateSchema = z.object({
    /** Start times (ms) of the calls of the last minute, oldest first. */
    recentCalls: z.array(z.number()).default([]),
    /** [minute (ms, floored), calls, rows] of the last hour, oldest first. */
    hourBuckets: z.array(z.tuple([z.number(), z.number(), z.number()])).default([]),
    /** Calls granted and not yet released: id, rows reserved, and the time after which they no longer count. */
    pending: z.array(z.object({ id: z.string(), untilMs: z.number(), rows: z.number().default(0) })).default([]),
    /** Set from a 429 that the relay did not predict (another writer): nobody calls before this. */
    throttledUntilMs: z.number().default(0),
    /** Earliest start of the next call, spacing calls evenly over the minute. */
    nextCallMs: z.number().default(0),
    /** Start of the latest call: past the cliff, the next waits an hour / callsPerHourPastCliff after it. */
    lastCallMs: z.number().default(0),
    tableRows: z.record(z.string(), z.number()).default({}),
});

export type BudgetState = z.infer<typeof budgetStateSchema>;

export type BudgetVerdict =
    | { kind: 'go'; maxRows: number }
    | {
          kind: 'wait';
          ms: number;
          reason: 'spacing' | 'pending' | 'callsPerMinute' | 'callsPerHour' | 'rowsPerHour' | 'throttled';
      };

export interface CallRequest {
    table: string;
    /** basicFIFO tables are trimmed to about 200,000 rows and never reach the cliff. */
    fifo: boolean;
    /** Rows the table held before the relay first pushed to it (the config's `existingRows`). */
    startingRows: number;
    /** Rows the caller needs at the least (a part that cannot be split further). */
    minRows: number;
    maxRows: number;
}

const minuteOf = (ms: number) => Math.floor(ms / minuteMs) * minuteMs;

/** Drops what has left every window. */
export function pruneBudget(state: BudgetState, nowMs: number): BudgetState {
    return {
        ...state,
        recentCalls: state.recentCalls.filter((t) => t > nowMs - minuteMs - clockMarginMs),
        // A bucket counts until an hour after its minute ends: never earlier than Power BI forgets its calls.
        hourBuckets: state.hourBuckets.filter(([minute]) => minute + minuteMs + hourMs + clockMarginMs > nowMs),
        pending: state.pending.filter((entry) => entry.untilMs > nowMs),
    };
}

const tableRowsOf = (state: BudgetState, table: { table: string; startingRows: number }) =>
    state.tableRows[table.table] ?? table.startingRows;

export const isPastCliff = (
    state: BudgetState,
    request: Pick<CallRequest, 'table' | 'fifo' | 'startingRows'>,
    limits: PushLimits,
) => !request.fifo && tableRowsOf(state, request) >= limits.cliffTableRows;

/**
 * Whether a call may start now and with how many rows, or how long to wait. Calls are spaced evenly
 * (a minute / callsPerMinute apart; an hour / callsPerHourPastCliff past the cliff) so that each carries
 * the rows queued since the last one, instead of a burst of small calls that spends the window's budget.
 */
export function judgeCall(state: BudgetState, request: CallRequest, limits: PushLimits, nowMs: number): BudgetVerdict {
    const waits: { ms: number; reason: Extract<BudgetVerdict, { kind: 'wait' }>['reason'] }[] = [];
    if (state.throttledUntilMs > nowMs) waits.push({ ms: state.throttledUntilMs - nowMs, reason: 'throttled' });
    if (state.nextCallMs > nowMs) waits.push({ ms: state.nextCallMs - nowMs, reason: 'spacing' });
    if (state.pending.length >= limits.pendingCalls) {
        // A pending call usually ends within a second; its lease is the bound when its instance died.
        const soonest = Math.min(...state.pending.map((entry) => entry.untilMs));
        waits.push({ ms: Math.min(250, soonest - nowMs), reason: 'pending' });
    }
    if (state.recentCalls.length >= limits.callsPerMinute) {
        const freesAt = state.recentCalls[state.recentCalls.length - limits.callsPerMinute]! + minuteMs + clockMarginMs;
        waits.push({ ms: freesAt - nowMs, reason: 'callsPerMinute' });
    }
    if (isPastCliff(state, request, limits)) {
        const spacedAt = state.lastCallMs + hourMs / limits.callsPerHourPastCliff;
        if (spacedAt > nowMs) waits.push({ ms: spacedAt - nowMs, reason: 'callsPerHour' });
        let calls = state.hourBuckets.reduce((sum, [, bucketCalls]) => sum + bucketCalls, 0);
        for (const [minute, bucketCalls] of state.hourBuckets) {
            if (calls < limits.callsPerHourPastCliff) break;
            calls -= bucketCalls;
            const freesAt = minute + minuteMs + hourMs + clockMarginMs;
            if (calls < limits.callsPerHourPastCliff) waits.push({ ms: freesAt - nowMs, reason: 'callsPerHour' });
        }
    }
    const rowsLastHour = state.hourBuckets.reduce((sum, [, , rows]) => sum + rows, 0);
    const reserved = state.pending.reduce((sum, entry) => sum + entry.rows, 0);
    const rowsLeft = limits.rowsPerHour - rowsLastHour - reserved;
    if (rowsLeft < request.minRows && limits.rowsPerHour - rowsLastHour >= request.minRows) {
        // Calls in flight hold the rows; what they do not send comes back within a second.
        waits.push({ ms: 250, reason: 'rowsPerHour' });
    } else if (rowsLeft < request.minRows) {
        let excess = request.minRows - rowsLeft;
        for (const [minute, , rows] of state.hourBuckets) {
            excess -= rows;
            if (excess <= 0) {
                waits.push({ ms: minute + minuteMs + hourMs + clockMarginMs - nowMs, reason: 'rowsPerHour' });
                break;
            }
        }
        if (excess > 0) waits.push({ ms: hourMs, reason: 'rowsPerHour' });
    }
    const longest = waits.reduce<(typeof waits)[number] | undefined>(
        (worst, wait) => (worst === undefined || wait.ms > worst.ms ? wait : worst),
        undefined,
    );
    if (longest && longest.ms > 0) return { kind: 'wait', ms: Math.ceil(longest.ms), reason: longest.reason };
    return { kind: 'go', maxRows: Math.max(request.minRows, Math.min(request.maxRows, rowsLeft)) };
}

/**
 * The state after a call is granted: counted in the call windows, pending (with its rows reserved) until
 * released, when the rows it sent are counted in the hour.
 */
export function grantCall(
    state: BudgetState,
    request: CallRequest,
    grant: { id: string; rows: number },
    limits: PushLimits,
    nowMs: number,
): BudgetState {
    const spacingMs = minuteMs / limits.callsPerMinute;
    return {
        ...state,
        recentCalls: [...state.recentCalls, nowMs],
        hourBuckets: addToBucket(state.hourBuckets, minuteOf(nowMs), 1, 0),
        pending: [...state.pending, { id: grant.id, untilMs: nowMs + limits.pendingLeaseMs, rows: grant.rows }],
        nextCallMs: Math.max(state.nextCallMs, nowMs) + spacingMs,
        lastCallMs: nowMs,
    };
}

export interface CallResult {
    id: string;
    grantedAtMs: number;
    /** Rows Power BI stored; 0 when the call failed. */
    pushedRows: number;
    table: string;
    startingRows: number;
    /** Seconds a 429 asked to wait. */
    retryAfterSeconds?: number;
}

/**
 * The state after a granted call ended: no longer pending, the rows it sent counted in the hour (in the minute
 * it started, so never shorter than Power BI counts them) and in its table. A call whose instance died is
 * dropped from pending when its lease ends; its rows, if Power BI took them, are then not counted, and a 429
 * teaches the budget the rest.
 */
export function releaseCall(state: BudgetState, result: CallResult, nowMs: number): BudgetState {
    return {
        ...state,
        pending: state.pending.filter((entry) => entry.id !== result.id),
        hourBuckets: addToBucket(state.hourBuckets, minuteOf(result.grantedAtMs), 0, result.pushedRows),
        tableRows:
            result.pushedRows > 0
                ? { ...state.tableRows, [result.table]: tableRowsOf(state, result) + result.pushedRows }
                : state.tableRows,
        throttledUntilMs:
            result.retryAfterSeconds === undefined
                ? state.throttledUntilMs
                : Math.max(state.throttledUntilMs, nowMs + result.retryAfterSeconds * 1000),
    };
}

function addToBucket(
    buckets: BudgetState['hourBuckets'],
    minute: number,
    calls: number,
    rows: number,
): BudgetState['hourBuckets'] {
    const index = buckets.findIndex(([bucketMinute]) => bucketMinute === minute);
    if (index === -1) {
        if (calls === 0 && rows <= 0) return buckets;
        return [...buckets, [minute, calls, Math.max(0, rows)] as [number, number, number]].sort((a, b) => a[0] - b[0]);
    }
    return buckets.map((bucket, i) =>
        i === index
            ? ([bucket[0], bucket[1] + calls, Math.max(0, bucket[2] + rows)] as [number, number, number])
            : bucket,
    );
}
