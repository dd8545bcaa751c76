import { describe, expect, it } from 'vitest';
import { expandObjects, templateProblem } from '../../src/config/partitionTemplate';
import { parseRelayConfig } from '../../src/config/relayConfig';

const partitions = (template: Parameters<typeof expandObjects>[0][number], now: string, timeZone = 'UTC') =>
    expandObjects([template], new Date(now), timeZone).map((object) => object.partition);

describe('partition templates', () => {
    it('fills the month of the target time zone, also when UTC is still in the month before', () => {
        const sales = { table: 'Sales', partition: 'Sales-{yyyy}-{MM}', lastMonths: 3 };
        // 23:30Z on 31 January is 00:30 on 1 February in Berlin.
        expect(partitions(sales, '2027-01-31T23:30:00Z', 'Europe/Berlin')).toEqual([
            'Sales-2027-02',
            'Sales-2027-01',
            'Sales-2026-12',
        ]);
        expect(partitions(sales, '2027-01-31T23:30:00Z')).toEqual(['Sales-2027-01', 'Sales-2026-12', 'Sales-2026-11']);
    });

    it('counts months by the calendar at the end of a long month, and days across a leap day', () => {
        expect(partitions({ table: 'S', partition: '{yyyy}{MM}', lastMonths: 2 }, '2027-03-31T12:00:00Z')).toEqual([
            '202703',
            '202702',
        ]);
        expect(partitions({ table: 'S', partition: 'D{yyyy}-{MM}-{dd}', lastDays: 3 }, '2028-03-01T01:00:00Z')).toEqual(
            ['D2028-03-01', 'D2028-02-29', 'D2028-02-28'],
        );
        expect(partitions({ table: 'S', partition: 'FY{yyyy}Q{Q}' }, '2027-04-01T00:00:00Z')).toEqual(['FY2027Q2']);
    });

    it('keeps plain objects and drops duplicates', () => {
        // February, January (both 2027) and December 2026: a yearly name appears once per year.
        expect(
            expandObjects(
                [
                    { table: 'Customers' },
                    { table: 'S', partition: 'Y{yyyy}', lastMonths: 3 },
                    { table: 'S', partition: 'Fixed' },
                ],
                new Date('2027-02-15T00:00:00Z'),
                'UTC',
            ),
        ).toEqual([
            { table: 'Customers' },
            { table: 'S', partition: 'Y2027' },
            { table: 'S', partition: 'Y2026' },
            { table: 'S', partition: 'Fixed' },
        ]);
    });

    it('names what is wrong with a template, at load time', () => {
        expect(templateProblem({ table: 'S', partition: 'S-{YYYY}' })).toBe(
            'unknown placeholder {YYYY}; use {yyyy}, {MM}, {dd}, {Q}',
        );
        expect(templateProblem({ table: 'S', partition: 'S-2026', lastMonths: 2 })).toMatch(
            /needs a partition name with placeholders/,
        );
        expect(templateProblem({ table: 'S', partition: 'S-{dd}', lastMonths: 2 })).toMatch(
            /\{dd\} cannot be used with lastMonths/,
        );
        expect(() =>
            parseRelayConfig(
                {
                    refreshTargets: [
                        {
                            name: 's',
                            datasetName: 'S',
                            refresh: { objects: [{ table: 'S', partition: '{yyyy}', lastMonths: 1, lastDays: 1 }] },
                        },
                    ],
                },
                'x.json',
            ),
        ).toThrow(
            'Invalid config x.json: refreshTargets.0.refresh.objects.0.partition: set lastMonths or lastDays, not both',
        );
    });
});
