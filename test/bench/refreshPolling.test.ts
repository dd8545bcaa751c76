import { describe, expect, it } from 'vitest';
import { measureRefreshPolling } from '../../scripts/measureRefreshPolling';

/** A short run of `npm run bench:refresh` (which measures 1-minute and 1-hour refreshes for the closing note). */
describe('refresh polling measurement (short)', () => {
    it('follows a 1-minute refresh with a few status calls and records its end within one poll interval', async () => {
        const [figures] = await measureRefreshPolling([60]);
        expect(figures!.first.statusCalls).toBeLessThanOrEqual(4);
        // Default back-off: 10 s doubling up to REFRESH_POLL_MAX_SECONDS (300 s).
        expect(figures!.sweep.maxLate).toBeLessThanOrEqual(300);
        // A refresh as long as its usual duration is checked just after its expected end.
        expect(figures!.usual.late).toBeLessThanOrEqual(10);
    });
});
