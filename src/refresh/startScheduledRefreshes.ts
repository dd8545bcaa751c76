import type { RefreshTarget } from '../config/refreshTargetSchema';
import { dueSlot } from '../schedule/refreshSchedule';
import { chainDecision } from './chainDecision';
import { raiseEscalations, type Escalation } from './raiseEscalations';
import { recordBlocked } from './recordBlocked';
import type { RefreshDeps } from './refreshDeps';
import type { RefreshRecord } from './refreshRecord';
import type { Revived } from './reviveStalledRefreshes';
import { runRefreshHousekeeping } from './runRefreshHousekeeping';
import { startRefresh, type StartOutcome } from './startRefresh';
import { targetSchedule } from './targetSchedule';

export type SlotOutcome = { target: string; slot: string; skipped: number } & (
    | StartOutcome
    /** A chained target whose upstream did not complete: recorded Blocked, not started. */
    | { kind: 'blocked'; record: RefreshRecord }
    | { kind: 'error'; message: string }
);

export interface ScheduledRun {
    /** One per slot this tick claimed and started (or tried to). */
    outcomes: SlotOutcome[];
    /** Due slots another instance or an earlier tick had already claimed. */
    claimedElsewhere: { target: string; slot: string }[];
    /** Running refreshes whose checks had stopped and were queued again, and interrupted starts resumed or closed. */
    revived: Revived;
    /** Staleness (maxAge) and slow-refresh (slowAlertFactor) alerts raised by this tick. */
    escalations: Escalation[];
    /** Refreshes deleted from the history because they are older than REFRESH_RETENTION_DAYS. */
    purged: number;
    /** Reviving, trimming or reading a schedule failed; the other targets went ahead and the next tick tries again. */
    housekeepingErrors: string[];
}

/** A target never claimed before picks up a slot this recent (a tick that came a little late). */
const firstLookSeconds = 120;
/** After an outage the latest missed slot runs once; older slots than this are not looked at. */
const catchUpSeconds = 7 * 24 * 60 * 60;

/**
 * One timer tick (every minute): the housekeeping first (runRefreshHousekeeping: revive lost checks and
 * interrupted starts, hourly purge of the history), then decides per
 * target whether a slot of its schedule came due since the last claimed one (or, for a chained target,
 * whether its upstream targets completed), claims it (insert-if-absent, so one start per slot across
 * instances and restarts) and starts the refresh. Targets are handled each on their own, so one failing
 * target does not hold up the others. Then staleness and slow-refresh alerts are raised.
 */
export async function startScheduledRefreshes(deps: RefreshDeps): Promise<ScheduledRun> {
    const now = deps.now();
    const { revived, purged, errors: housekeepingErrors } = await runRefreshHousekeeping(deps);
    const outcomes: SlotOutcome[] = [];
    const claimedElsewhere: ScheduledRun['claimedElsewhere'] = [];
    await Promise.all(
        deps.targets
            .filter((target) => target.scheduled)
            .map(async (target) => {
                let claimed: SlotClaimOutcome | undefined;
                try {
                    claimed =
                        target.after === undefined
                            ? await claimDueSlot(target, now, deps)
                            : await claimChainStart({ ...target, after: target.after }, now, deps);
                } catch (error) {
                    housekeepingErrors.push(`schedule of ${target.name}: ${(error as Error).message}`);
                    return;
                }
                if (claimed === undefined) return;
                const slot = claimed.slot.toISOString();
                if (claimed.kind === 'taken') {
                    claimedElsewhere.push({ target: target.name, slot });
                    return;
                }
                const outcome = await actOn(target, claimed, deps).catch((error: unknown) => ({
                    kind: 'error' as const,
                    message: (error as Error).message,
                }));
                outcomes.push({
                    target: target.name,
                    slot,
                    skipped: claimed.kind === 'start' ? claimed.skipped : 0,
                    ...outcome,
                });
                const refreshId = 'record' in outcome ? outcome.record.id : undefined;
                await deps.slots
                    .settle(target.name, claimed.slot, { refreshId, outcome: outcome.kind })
                    .catch((error: unknown) =>
                        housekeepingErrors.push(`note slot of ${target.name}: ${(error as Error).message}`),
                    );
            }),
    );
    const escalations = await raiseEscalations(deps).catch((error: unknown) => {
        housekeepingErrors.push(`alerts: ${(error as Error).message}`);
        return [];
    });
    return { outcomes, claimedElsewhere, revived, escalations, purged, housekeepingErrors };
}

/**
 * start: this caller starts it (`skipped`: earlier missed slots it covers; `upstream`: the refreshes a
 * chained start follows); block: this caller records a chained target Blocked; taken: someone else had.
 */
type SlotClaimOutcome =
    | { kind: 'start'; slot: Date; skipped: number; upstream?: RefreshRecord[] }
    | { kind: 'block'; slot: Date; upstream: RefreshRecord[] }
    | { kind: 'taken'; slot: Date };

/** The slot due at `now` and who claimed it; undefined when none is due. */
async function claimDueSlot(
    target: RefreshTarget,
    now: Date,
    deps: RefreshDeps,
): Promise<SlotClaimOutcome | undefined> {
    const last = await deps.slots.latest(target.name);
    const since = Math.max(
        last === undefined ? now.getTime() - firstLookSeconds * 1000 : Date.parse(last.slot),
        now.getTime() - catchUpSeconds * 1000,
    );
    const due = dueSlot(targetSchedule(target, deps.defaultSchedule), new Date(since), now);
    if (due === undefined) return undefined;
    const won = await deps.slots.claim(target.name, due.slot, { claimedAt: now, skipped: due.skipped });
    return won ? { kind: 'start', ...due } : { kind: 'taken', slot: due.slot };
}

/** Starts the refresh a claim is for, or records the chained target Blocked. */
async function actOn(
    target: RefreshTarget,
    claimed: Exclude<SlotClaimOutcome, { kind: 'taken' }>,
    deps: RefreshDeps,
): Promise<StartOutcome | { kind: 'blocked'; record: RefreshRecord }> {
    if (claimed.kind === 'block')
        return { kind: 'blocked', record: await recordBlocked(target, claimed.upstream, deps) };
    if (claimed.upstream === undefined)
        return startRefresh({ target: target.name, requestedBy: 'timer', slot: claimed.slot }, deps);
    const upstream = claimed.upstream.map((record) => record.id);
    return startRefresh({ target: target.name, requestedBy: 'chain', upstream }, deps);
}

/** A chained target's start (or block), claimed under the time its deciding upstream outcome was recorded. */
async function claimChainStart(
    target: RefreshTarget & { after: string[] },
    now: Date,
    deps: RefreshDeps,
): Promise<SlotClaimOutcome | undefined> {
    const decision = await chainDecision(target, deps);
    if (decision.kind === 'wait') return undefined;
    const won = await deps.slots.claim(target.name, decision.trigger, { claimedAt: now, skipped: 0 });
    if (!won) return { kind: 'taken', slot: decision.trigger };
    return decision.kind === 'start'
        ? { kind: 'start', slot: decision.trigger, skipped: 0, upstream: decision.upstream }
        : { kind: 'block', slot: decision.trigger, upstream: decision.upstream };
}
