import type { RefreshDeps } from '../refresh/refreshDeps';
import type { RefreshRecord, RefreshStatus } from '../refresh/refreshRecord';
import { targetSchedule } from '../refresh/targetSchedule';
import { usualDurationSeconds } from '../refresh/usualDuration';
import { nextSlots } from '../schedule/refreshSchedule';
import type { RefreshTargetStatus } from './statusSchema';

/** Refreshes shown per target: one range read of its history partition, newest first. */
const refreshesPerTarget = 20;

const failures = new Set<RefreshStatus>(['Failed', 'Cancelled', 'TimedOut', 'Dropped', 'Disabled', 'Blocked']);

const toBar = (record: RefreshRecord): RefreshTargetStatus['refreshes'][number] => ({
    id: record.id,
    status: record.status,
    trigger: record.trigger,
    requestedAt: record.requestedAt,
    ...(record.startTime ? { startTime: record.startTime } : {}),
    ...(record.endTime ? { endTime: record.endTime } : {}),
    ...(record.durationSeconds !== undefined ? { durationSeconds: record.durationSeconds } : {}),
});

/** Each configured target's last refreshes, usual duration, next scheduled run and last failure. */
export function readRefreshTargets(
    deps: Pick<RefreshDeps, 'targets' | 'defaultSchedule' | 'history' | 'now'>,
): Promise<RefreshTargetStatus[]> {
    const now = deps.now();
    return Promise.all(
        deps.targets.map(async (target): Promise<RefreshTargetStatus> => {
            const schedule = targetSchedule(target, deps.defaultSchedule);
            const records = await deps.history.latest(target.name, refreshesPerTarget);
            // The same median the poller uses, over the records already read.
            const usualSeconds = await usualDurationSeconds(target.name, { latest: async () => records });
            const nextRun = target.scheduled && target.after === undefined ? nextSlots(schedule, now, 1)[0] : undefined;
            const failed = records.find((record) => failures.has(record.status));
            return {
                name: target.name,
                schedule: schedule.expression,
                timeZone: schedule.timeZone,
                ...(nextRun ? { nextRun: nextRun.toISOString() } : {}),
                ...(target.after ? { after: target.after } : {}),
                ...(usualSeconds !== undefined ? { usualSeconds } : {}),
                refreshes: records.map(toBar),
                ...(failed
                    ? {
                          lastFailure: {
                              id: failed.id,
                              status: failed.status,
                              ...(failed.endTime ? { endTime: failed.endTime } : {}),
                              ...(failed.error ? { error: failed.error } : {}),
                              messages: (failed.messages ?? []).map(({ code, message, type }) => ({
                                  code,
                                  message,
                                  type,
                              })),
                          },
                      }
                    : {}),
            };
        }),
    );
}
