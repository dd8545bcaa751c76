import { describe, expect, it } from 'vitest';
import { measureRefreshPolling } from '../../scripts/measureRefreshPolling';

/** A short run of `npm run bench:refresh` (which measures 1-minute and 1-hour refreshes for the closing note). */
describe('refresh polling measurement (short)', () => {
    it('follows a 1-minute refresh with a few status calls and sees the end of first refreshes within a minute', async () => {
        const [figures] = await measureRefreshPolling([60]);
        expect(figures!.first.statusCalls).toBeLessThanOrEqual(4);
        // First refreshes: seen within max(60 s, 10 %) of their length, at most 30 status calls an hour.
        expect(figures!.sweep.withinBound).toBe(true);
        expect(figures!.sweep.maxLate).toBeLessThanOrEqual(60);
        expect(figures!.first.busiestHour).toBeLessThanOrEqual(30);
        // A refresh as long as its usual duration is checked just after its expected end.
        expect(figures!.usual.late).toBeLessThanOrEqual(10);
    });
});
