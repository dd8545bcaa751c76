import { describe, expect, it } from 'vitest';
import {
    budgetStateSchema,
    grantCall,
    judgeCall,
    pruneBudget,
    releaseCall,
    type BudgetState,
    type CallRequest,
    type PushLimits,
} from '../../src/push/pushBudget';

const limits: PushLimits = {
    callsPerMinute: 120,
    rowsPerHour: 1_000_000,
    pendingCalls: 5,
    cliffTableRows: 250_000,
    callsPerHourPastCliff: 120,
    pendingLeaseMs: 35_000,
};
const request: CallRequest = { table: 'T', fifo: false, startingRows: 0, minRows: 1, maxRows: 10_000 };
const fifo: CallRequest = { ...request, fifo: true };
const empty = () => budgetStateSchema.parse({});
const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);

/** Grants and releases calls as fast as the budget allows, as many instances would together. */
function run(state: BudgetState, calls: number, rowsPerCall: number, request_: CallRequest = request) {
    let now = t0;
    const starts: number[] = [];
    for (let i = 0; i < calls; i++) {
        for (;;) {
            state = pruneBudget(state, now);
            const verdict = judgeCall(state, { ...request_, minRows: rowsPerCall }, limits, now);
            if (verdict.kind === 'go') break;
            now += verdict.ms;
        }
        state = grantCall(state, request_, { id: `c${i}`, rows: rowsPerCall }, limits, now);
        starts.push(now);
        state = releaseCall(
            state,
            {
                id: `c${i}`,
                grantedAtMs: now,
                pushedRows: rowsPerCall,
                table: 'T',
                startingRows: request_.startingRows,
            },
            now + 100,
        );
        now += 100;
    }
    return { state, starts };
}

describe('the Add Rows budget', () => {
    it('spaces calls half a second apart and never has more than 120 in any minute', () => {
        const { starts } = run(empty(), 400, 1);
        for (let i = 120; i < starts.length; i++) expect(starts[i]! - starts[i - 120]!).toBeGreaterThan(60_000);
        expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(500);
    });

    it('never grants more than the rows per hour, counting what each call carried', () => {
        const { starts } = run(empty(), 150, 10_000, fifo);
        // 100 calls of 10,000 rows fill the hour; the 101st waits until the first has left the window.
        for (let i = 100; i < starts.length; i++) expect(starts[i]! - starts[i - 100]!).toBeGreaterThan(3_600_000);
    });

    it('offers a call only the rows left in the hour', () => {
        const { state, starts } = run(empty(), 100, 9_999, fifo);
        const now = starts.at(-1)! + 1_000;
        expect(judgeCall(pruneBudget(state, now), fifo, limits, now)).toEqual({ kind: 'go', maxRows: 100 });
        expect(judgeCall(pruneBudget(state, now), { ...fifo, minRows: 101 }, limits, now)).toMatchObject({
            kind: 'wait',
            reason: 'rowsPerHour',
        });
    });

    it('past 250,000 rows in a table spaces calls 30 s apart and keeps within 120 an hour', () => {
        const { starts } = run(empty(), 130, 1, { ...request, startingRows: 250_000 });
        for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(30_000);
        for (let i = 120; i < starts.length; i++) expect(starts[i]! - starts[i - 120]!).toBeGreaterThan(3_600_000);
    });

    it('a basicFIFO table never reaches the cliff', () => {
        const { starts } = run(empty(), 3, 1, { ...fifo, startingRows: 1_000_000 });
        expect(starts[2]! - starts[0]!).toBeLessThan(2_000);
    });

    it('counts the rows each table received and says when it crosses the cliff', () => {
        const state = run(empty(), 25, 10_000).state;
        expect(state.tableRows.T).toBe(250_000);
        const verdict = judgeCall(pruneBudget(state, t0 + 10_000), request, limits, t0 + 10_000);
        expect(verdict).toMatchObject({ kind: 'wait', reason: 'callsPerHour' });
    });

    it('allows at most 5 pending calls and frees the slot of a call whose instance died when its lease ends', () => {
        let state = empty();
        let now = t0;
        for (let i = 0; i < 5; i++) {
            now = Math.max(now, state.nextCallMs);
            state = grantCall(state, request, { id: `p${i}`, rows: 1 }, limits, now);
        }
        now = state.nextCallMs;
        expect(judgeCall(pruneBudget(state, now), request, limits, now)).toMatchObject({
            kind: 'wait',
            reason: 'pending',
        });
        now = t0 + limits.pendingLeaseMs + 1;
        expect(judgeCall(pruneBudget(state, now), request, limits, now)).toMatchObject({ kind: 'go' });
    });

    it('learns from a 429 it did not predict: nobody calls before its Retry-After', () => {
        let state = grantCall(empty(), request, { id: 'x', rows: 1 }, limits, t0);
        state = releaseCall(
            state,
            {
                id: 'x',
                grantedAtMs: t0,
                pushedRows: 0,
                table: 'T',
                startingRows: 0,
                retryAfterSeconds: 40,
            },
            t0 + 100,
        );
        expect(judgeCall(pruneBudget(state, t0 + 1_000), request, limits, t0 + 1_000)).toMatchObject({
            kind: 'wait',
            reason: 'throttled',
            ms: 39_100,
        });
        expect(state.hourBuckets).toEqual([[t0, 1, 0]]);
    });

    it('keeps its state small: one minute of call times and an hour of per-minute buckets', () => {
        const { state } = run(empty(), 2_000, 1);
        expect(state.recentCalls.length).toBeLessThanOrEqual(121);
        expect(state.hourBuckets.length).toBeLessThanOrEqual(62);
        expect(JSON.stringify(state).length).toBeLessThan(8_000);
    });

    it('rows reserved by a call in flight make others wait a moment, not an hour', () => {
        const limited = { ...limits, rowsPerHour: 1_000 };
        const state = grantCall(empty(), fifo, { id: 'a', rows: 1_000 }, limited, t0);
        const now = state.nextCallMs;
        expect(judgeCall(pruneBudget(state, now), fifo, limited, now)).toEqual({
            kind: 'wait',
            ms: 250,
            reason: 'rowsPerHour',
        });
        const released = releaseCall(
            state,
            { id: 'a', grantedAtMs: t0, pushedRows: 10, table: 'T', startingRows: 0 },
            now,
        );
        expect(judgeCall(pruneBudget(released, now), fifo, limited, now)).toEqual({ kind: 'go', maxRows: 990 });
    });
});
