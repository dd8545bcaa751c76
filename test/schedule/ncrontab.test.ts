import { describe, expect, it } from 'vitest';
import { NcrontabError, parseNcrontab } from '../../src/schedule/ncrontab';

function occurrences(expression: string, from: string, count: number): string[] {
    const schedule = parseNcrontab(expression);
    const result: string[] = [];
    let t = new Date(from);
    for (let i = 0; i < count; i++) {
        const next = schedule.next(t);
        if (!next) {
            break;
        }
        result.push(next.toISOString());
        t = next;
    }
    return result;
}

describe('parseNcrontab', () => {
    it('fires every second for six stars', () => {
        expect(occurrences('* * * * * *', '2024-01-01T00:00:00.500Z', 3)).toEqual([
            '2024-01-01T00:00:01.000Z',
            '2024-01-01T00:00:02.000Z',
            '2024-01-01T00:00:03.000Z',
        ]);
    });

    it('returns an occurrence strictly after the given time', () => {
        expect(occurrences('0 * * * * *', '2024-01-01T00:01:00.000Z', 1)).toEqual(['2024-01-01T00:02:00.000Z']);
    });

    it('steps seconds with */s', () => {
        expect(occurrences('*/15 * * * * *', '2024-01-01T00:00:00Z', 5)).toEqual([
            '2024-01-01T00:00:15.000Z',
            '2024-01-01T00:00:30.000Z',
            '2024-01-01T00:00:45.000Z',
            '2024-01-01T00:01:00.000Z',
            '2024-01-01T00:01:15.000Z',
        ]);
    });

    it('runs every five minutes with 0 */5 * * * *', () => {
        expect(occurrences('0 */5 * * * *', '2024-01-01T00:03:10Z', 3)).toEqual([
            '2024-01-01T00:05:00.000Z',
            '2024-01-01T00:10:00.000Z',
            '2024-01-01T00:15:00.000Z',
        ]);
    });

    it('reads ranges, lists and ranged steps', () => {
        expect(occurrences('0 0 9-17/4 * * *', '2024-01-01T00:00:00Z', 4)).toEqual([
            '2024-01-01T09:00:00.000Z',
            '2024-01-01T13:00:00.000Z',
            '2024-01-01T17:00:00.000Z',
            '2024-01-02T09:00:00.000Z',
        ]);
        expect(occurrences('5,10,50 0 0 * * *', '2024-01-01T00:00:00Z', 4)).toEqual([
            '2024-01-01T00:00:05.000Z',
            '2024-01-01T00:00:10.000Z',
            '2024-01-01T00:00:50.000Z',
            '2024-01-02T00:00:05.000Z',
        ]);
    });

    it('treats a/s as from a to the end of the field', () => {
        expect(occurrences('0 50/5 * * * *', '2024-01-01T00:00:00Z', 3)).toEqual([
            '2024-01-01T00:50:00.000Z',
            '2024-01-01T00:55:00.000Z',
            '2024-01-01T01:50:00.000Z',
        ]);
    });

    it('accepts day and month names in any case', () => {
        // 2024-01-01 is a Monday.
        expect(occurrences('0 30 9 * * MON-FRI', '2024-01-05T10:00:00Z', 2)).toEqual([
            '2024-01-08T09:30:00.000Z',
            '2024-01-09T09:30:00.000Z',
        ]);
        expect(occurrences('0 0 0 1 jan,Jul *', '2024-02-01T00:00:00Z', 2)).toEqual([
            '2024-07-01T00:00:00.000Z',
            '2025-01-01T00:00:00.000Z',
        ]);
        expect(occurrences('0 0 12 * * sun', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-07T12:00:00.000Z']);
    });

    it('uses 0 for Sunday and 6 for Saturday', () => {
        expect(occurrences('0 0 0 * * 0,6', '2024-01-01T00:00:00Z', 2)).toEqual([
            '2024-01-06T00:00:00.000Z',
            '2024-01-07T00:00:00.000Z',
        ]);
    });

    it('requires both day and day-of-week to match, as NCrontab does', () => {
        // Friday the 13th: September and December 2024.
        expect(occurrences('0 0 0 13 * FRI', '2024-01-01T00:00:00Z', 2)).toEqual([
            '2024-09-13T00:00:00.000Z',
            '2024-12-13T00:00:00.000Z',
        ]);
    });

    it('skips months without the day', () => {
        expect(occurrences('0 0 0 31 * *', '2024-01-31T00:00:00Z', 3)).toEqual([
            '2024-03-31T00:00:00.000Z',
            '2024-05-31T00:00:00.000Z',
            '2024-07-31T00:00:00.000Z',
        ]);
        expect(occurrences('0 0 0 29 FEB *', '2024-03-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
    });

    it('crosses year boundaries', () => {
        expect(occurrences('59 59 23 31 DEC *', '2024-06-01T00:00:00Z', 2)).toEqual([
            '2024-12-31T23:59:59.000Z',
            '2025-12-31T23:59:59.000Z',
        ]);
    });

    it('reports no occurrence for an impossible date', () => {
        expect(parseNcrontab('0 0 0 30 FEB *').next(new Date('2024-01-01T00:00:00Z'))).toBeUndefined();
    });

    it('accepts five fields as a schedule at second zero', () => {
        expect(occurrences('*/30 * * * *', '2024-01-01T00:00:00Z', 2)).toEqual([
            '2024-01-01T00:30:00.000Z',
            '2024-01-01T01:00:00.000Z',
        ]);
    });

    it.each([
        ['', /expected 6 fields/],
        ['* * * * * * *', /expected 6 fields/],
        ['60 * * * * *', /second 60 is outside 0-59/],
        ['* * 24 * * *', /hour 24 is outside 0-23/],
        ['* * * 0 * *', /day 0 is outside 1-31/],
        ['* * * * 13 *', /month 13 is outside 1-12/],
        ['* * * * * 7', /day-of-week 7 is outside 0-6/],
        ['* * * * FOO *', /month value "FOO" is not a number or name/],
        ['*/0 * * * * *', /step must be at least 1/],
        ['10-5 * * * * *', /runs backwards/],
        ['1,,2 * * * * *', /bad second/],
        ['1/2/3 * * * * *', /bad second/],
        ['1-2-3 * * * * *', /bad second range/],
        ['x * * * * *', /second value "x" is not a number/],
    ])('rejects %j', (expression, message) => {
        expect(() => parseNcrontab(expression)).toThrow(NcrontabError);
        expect(() => parseNcrontab(expression)).toThrow(message);
    });
});
