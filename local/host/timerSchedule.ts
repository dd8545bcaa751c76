import { parseNcrontab } from '../../src/schedule/ncrontab';

export interface TimerSchedule {
    readonly expression: string;
    /** The first occurrence strictly after `after`, or undefined if none. */
    next(after: Date): Date | undefined;
}

/**
 * A timer `schedule`: an NCRONTAB expression or, as the host also accepts, a TimeSpan `hh:mm:ss`
 * meaning "every interval" (counted from the previous run).
 */
export function parseTimerSchedule(expression: string): TimerSchedule {
    const timeSpan = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(expression.trim());
    if (timeSpan) {
        const [, days, hours, minutes, seconds] = timeSpan;
        const intervalMs =
            (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
        if (intervalMs <= 0) {
            throw new Error(`Invalid timer schedule "${expression}": the interval must be positive.`);
        }
        return { expression, next: (after) => new Date(after.getTime() + intervalMs) };
    }
    return parseNcrontab(expression);
}
