import { NcrontabError, parseNcrontab } from './ncrontab';
import { fromWallTime, isTimeZone, toWallTime } from './wallClock';

/** When a refresh target is due: slots are instants, the same on every instance and after a restart. */
export interface RefreshSchedule {
    /** The expression as configured, and the time zone its wall-clock fields are read in. */
    readonly expression: string;
    readonly timeZone: string;
    /** The first slot strictly after `after`, or undefined if the schedule never fires again. */
    next(after: Date): Date | undefined;
}

export class RefreshScheduleError extends Error {
    override name = 'RefreshScheduleError';
}

/** `hh:mm:ss` or `d.hh:mm:ss`, the TimeSpan form the Functions timer also accepts. */
const intervalPattern = /^(?:(\d+)\.)?(\d{1,2}):([0-5]\d):([0-5]\d)$/;
/** The refresh timer ticks once a minute, so a slot finer than that could not be kept. */
const minIntervalMs = 60_000;
/** A fall-back hour repeats every slot in it once; a schedule skips at most that many wall-clock slots. */
const maxSkippedSlots = 10_000;

/**
 * Parses a target's schedule: NCRONTAB (six fields; five without seconds) read on the wall clock of
 * `timeZone`, or an interval `hh:mm:ss` whose slots are multiples of it since 1970-01-01T00:00Z (elapsed
 * time, so DST changes nothing). A wall-clock slot inside a DST gap runs at the first instant after the
 * gap (several such slots run once); a slot in a repeated hour runs once, at its first occurrence.
 */
export function parseRefreshSchedule(expression: string, timeZone = 'UTC'): RefreshSchedule {
    if (!isTimeZone(timeZone)) {
        throw new RefreshScheduleError(`Unknown time zone "${timeZone}": use an IANA name such as Europe/Berlin`);
    }
    const interval = intervalPattern.exec(expression.trim());
    if (interval) {
        const [, days, hours, minutes, seconds] = interval;
        const intervalMs =
            (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
        if (intervalMs < minIntervalMs || intervalMs % minIntervalMs !== 0) {
            throw new RefreshScheduleError(
                `Invalid schedule "${expression}": an interval must be whole minutes, at least 00:01:00`,
            );
        }
        return {
            expression,
            timeZone,
            next: (after) => new Date((Math.floor(after.getTime() / intervalMs) + 1) * intervalMs),
        };
    }
    let cron;
    try {
        cron = parseNcrontab(expression);
    } catch (error) {
        if (error instanceof NcrontabError) throw new RefreshScheduleError(error.message);
        throw error;
    }
    if (cron.secondsPerMinute !== 1) {
        throw new RefreshScheduleError(
            `Invalid schedule "${expression}": the second field must name one second (the timer ticks once a minute)`,
        );
    }
    return {
        expression,
        timeZone,
        next(after) {
            let wall = toWallTime(after, timeZone);
            for (let skipped = 0; skipped < maxSkippedSlots; skipped += 1) {
                const nextWall = cron.next(wall);
                if (nextWall === undefined) return undefined;
                const slot = fromWallTime(nextWall, timeZone);
                // A wall time of a repeated hour whose first occurrence is already past ran then.
                if (slot.getTime() > after.getTime()) return slot;
                wall = nextWall;
            }
            return undefined;
        },
    };
}

/** The next `count` slots after `after`. */
export function nextSlots(schedule: RefreshSchedule, after: Date, count: number): Date[] {
    const slots: Date[] = [];
    let from = after;
    while (slots.length < count) {
        const slot = schedule.next(from);
        if (slot === undefined) break;
        slots.push(slot);
        from = slot;
    }
    return slots;
}

/**
 * The slot a timer tick at `now` should start: the latest one in (`since`, `now`], with how many earlier
 * ones in that span it skips (missed during an outage; a target catches up once, not once per slot).
 */
export function dueSlot(
    schedule: RefreshSchedule,
    since: Date,
    now: Date,
): { slot: Date; skipped: number } | undefined {
    let due: Date | undefined;
    let skipped = -1;
    for (
        let slot = schedule.next(since);
        slot !== undefined && slot.getTime() <= now.getTime();
        slot = schedule.next(slot)
    ) {
        due = slot;
        skipped += 1;
    }
    return due === undefined ? undefined : { slot: due, skipped };
}
