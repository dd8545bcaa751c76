/**
 * Wall-clock time in an IANA time zone, from Intl (Node ships full ICU). A wall time is carried as a Date
 * whose UTC fields are the local fields, so the NCRONTAB matcher reads it unchanged. Intl is enough here:
 * the libraries at hand (luxon, date-fns-tz) resolve a time in a DST gap by moving it forward by the gap's
 * length (02:30 becomes 03:30) and pick either offset for a repeated hour, while a schedule needs the
 * first instant after the gap and the first of the two instants, which fromWallTime gives directly.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
    let formatter = formatters.get(timeZone);
    if (formatter === undefined) {
        formatter = new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
        });
        formatters.set(timeZone, formatter);
    }
    return formatter;
}

/** True for a time zone Intl knows (IANA names such as Europe/Berlin, and UTC). */
export function isTimeZone(timeZone: string): boolean {
    try {
        formatterFor(timeZone);
        return true;
    } catch {
        return false;
    }
}

/** The wall time in `timeZone` at `instant`, as a Date whose UTC fields are the local ones. */
export function toWallTime(instant: Date, timeZone: string): Date {
    const parts: Record<string, number> = {};
    for (const part of formatterFor(timeZone).formatToParts(instant)) {
        if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return new Date(wall + (instant.getTime() % 1000));
}

const offsetAt = (instant: number, timeZone: string) => toWallTime(new Date(instant), timeZone).getTime() - instant;

const day = 24 * 60 * 60 * 1000;

/**
 * The instant of a wall time in `timeZone`: of a repeated time (the hour a DST change goes back), the
 * first; of a time that does not exist (inside the gap a DST change skips), the first instant after
 * the gap.
 */
export function fromWallTime(wall: Date, timeZone: string): Date {
    const w = wall.getTime();
    // Offsets on either side of any transition near `wall` (zones change offset at most once a day).
    const offsets = [...new Set([offsetAt(w - day, timeZone), offsetAt(w, timeZone), offsetAt(w + day, timeZone)])];
    const exact = offsets
        .map((offset) => w - offset)
        .filter((instant) => toWallTime(new Date(instant), timeZone).getTime() === w)
        .sort((a, b) => a - b);
    if (exact.length > 0) return new Date(exact[0]!);
    // In a gap: the wall clock jumps over `wall`; find the instant of the jump (to the second).
    let before = w - Math.max(...offsets);
    let after = w - Math.min(...offsets);
    while (after - before > 1000) {
        const middle = before + Math.max(1000, Math.floor((after - before) / 2000) * 1000);
        if (toWallTime(new Date(middle), timeZone).getTime() < w) before = middle;
        else after = middle;
    }
    return new Date(after);
}
