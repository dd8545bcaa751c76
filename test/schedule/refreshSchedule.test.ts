import { describe, expect, it } from 'vitest';
import { dueSlot, nextSlots, parseRefreshSchedule, RefreshScheduleError } from '../../src/schedule/refreshSchedule';

const slots = (expression: string, timeZone: string, after: string, count: number) =>
    nextSlots(parseRefreshSchedule(expression, timeZone), new Date(after), count).map((slot) => slot.toISOString());

describe('refresh schedules in a time zone', () => {
    it('reads NCRONTAB on the wall clock of the zone, weekdays at 06:00 New York across the March change', () => {
        expect(slots('0 0 6 * * MON-FRI', 'America/New_York', '2026-03-05T12:00:00Z', 3)).toEqual([
            '2026-03-06T11:00:00.000Z', // Friday, EST
            '2026-03-09T10:00:00.000Z', // Monday, EDT
            '2026-03-10T10:00:00.000Z',
        ]);
    });

    it('runs a slot inside the spring gap at the first instant after it', () => {
        // Berlin skips 02:00-03:00 on 2026-03-29 (01:00Z).
        expect(slots('0 30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 3)).toEqual([
            '2026-03-28T01:30:00.000Z',
            '2026-03-29T01:00:00.000Z',
            '2026-03-30T00:30:00.000Z',
        ]);
    });

    it('runs the slots of a skipped hour once, then goes on after the gap', () => {
        expect(slots('0 */15 * * * *', 'Europe/Berlin', '2026-03-29T00:40:00Z', 3)).toEqual([
            '2026-03-29T00:45:00.000Z', // 01:45 CET
            '2026-03-29T01:00:00.000Z', // 02:00-03:00 do not exist: once, at 03:00 CEST
            '2026-03-29T01:15:00.000Z', // 03:15 CEST
        ]);
    });

    it('runs a slot of the repeated autumn hour once, at its first occurrence', () => {
        // Berlin goes from 03:00 CEST back to 02:00 CET on 2026-10-25 (01:00Z): 02:30 happens twice.
        expect(slots('0 30 2 * * *', 'Europe/Berlin', '2026-10-23T12:00:00Z', 3)).toEqual([
            '2026-10-24T00:30:00.000Z',
            '2026-10-25T00:30:00.000Z',
            '2026-10-26T01:30:00.000Z',
        ]);
        expect(slots('0 */30 * * * *', 'Europe/Berlin', '2026-10-24T23:50:00Z', 4)).toEqual([
            '2026-10-25T00:00:00.000Z', // 02:00 CEST
            '2026-10-25T00:30:00.000Z', // 02:30 CEST
            '2026-10-25T02:00:00.000Z', // 03:00 CET: the second 02:00 and 02:30 do not run again
            '2026-10-25T02:30:00.000Z',
        ]);
        // A process that starts during the second pass does not run the hour again either.
        expect(slots('0 */30 * * * *', 'Europe/Berlin', '2026-10-25T01:10:00Z', 1)).toEqual([
            '2026-10-25T02:00:00.000Z',
        ]);
    });

    it('counts an interval in elapsed time from the epoch, whatever the zone', () => {
        expect(slots('00:30:00', 'Europe/Berlin', '2026-03-29T00:40:00Z', 3)).toEqual([
            '2026-03-29T01:00:00.000Z',
            '2026-03-29T01:30:00.000Z',
            '2026-03-29T02:00:00.000Z',
        ]);
        expect(slots('1.00:00:00', 'UTC', '2026-03-29T00:40:00Z', 1)).toEqual(['2026-03-30T00:00:00.000Z']);
    });

    it('refuses unknown zones, sub-minute schedules and bad expressions with the reason', () => {
        expect(() => parseRefreshSchedule('0 0 * * * *', 'Europe/Nowhere')).toThrow(
            /Unknown time zone "Europe\/Nowhere"/,
        );
        expect(() => parseRefreshSchedule('*/10 * * * * *')).toThrow(/second field must name one second/);
        expect(() => parseRefreshSchedule('00:00:30')).toThrow(/whole minutes, at least 00:01:00/);
        expect(() => parseRefreshSchedule('0 0 25 * * *')).toThrow(RefreshScheduleError);
        expect(() => parseRefreshSchedule('0 0 25 * * *')).toThrow(/hour 25 is outside 0-23/);
    });
});

describe('dueSlot', () => {
    const hourly = parseRefreshSchedule('0 0 * * * *');
    it('gives the latest slot since the last one, and how many it skips', () => {
        expect(dueSlot(hourly, new Date('2026-01-01T09:00:00Z'), new Date('2026-01-01T12:30:00Z'))).toEqual({
            slot: new Date('2026-01-01T12:00:00Z'),
            skipped: 2,
        });
        expect(dueSlot(hourly, new Date('2026-01-01T12:00:00Z'), new Date('2026-01-01T12:59:59Z'))).toBeUndefined();
        expect(dueSlot(hourly, new Date('2026-01-01T12:00:00Z'), new Date('2026-01-01T13:00:00Z'))).toEqual({
            slot: new Date('2026-01-01T13:00:00Z'),
            skipped: 0,
        });
    });
});
