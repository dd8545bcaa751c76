import { nextSlots } from '../schedule/refreshSchedule';
import type { RefreshDeps } from './refreshDeps';
import type { SlotClaim } from './refreshSlots';
import { targetSchedule } from './targetSchedule';

export const maxNextRuns = 50;

export interface TargetView {
    name: string;
    scheduled: boolean;
    schedule: string;
    timeZone: string;
    /** The next slots the timer will start (ISO instants); none for a target started on request or by a chain. */
    nextRuns: string[];
    after?: string[];
    afterMode?: 'allCompleted' | 'anyCompleted';
    /** The newest slot the timer claimed, and what it started. */
    lastSlot?: SlotClaim;
}

/** The configured targets with their schedules and next runs (GET /api/refresh-targets). */
export async function listTargets(
    query: { nextRuns: number },
    deps: Pick<RefreshDeps, 'targets' | 'defaultSchedule' | 'slots' | 'now'>,
): Promise<TargetView[]> {
    const now = deps.now();
    const count = Math.min(maxNextRuns, Math.max(0, Math.floor(query.nextRuns)));
    return Promise.all(
        deps.targets.map(async (target) => {
            const schedule = targetSchedule(target, deps.defaultSchedule);
            const lastSlot = await deps.slots.latest(target.name);
            return {
                name: target.name,
                scheduled: target.scheduled,
                schedule: schedule.expression,
                timeZone: schedule.timeZone,
                nextRuns:
                    target.scheduled && target.after === undefined
                        ? nextSlots(schedule, now, count).map((slot) => slot.toISOString())
                        : [],
                ...(target.after === undefined ? {} : { after: target.after, afterMode: target.afterMode }),
                ...(lastSlot === undefined ? {} : { lastSlot }),
            };
        }),
    );
}
