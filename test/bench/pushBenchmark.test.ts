import { describe, expect, it } from 'vitest';
import { runPushBenchmark } from '../../scripts/benchmarkPush';

/** A short run of `npm run bench:push` (which reports rows per second for 1-row and 1,000-row requests). */
describe('push benchmark (short)', () => {
    it('delivers every row of 60 one-row requests, merging them into fewer Add Rows calls', async () => {
        const result = await runPushBenchmark({
            requests: 60,
            rowsPerRequest: 1,
            concurrency: 16,
            coalesceMessages: 32,
            timeScale: 1,
            timeoutMs: 45_000,
        });
        expect(result.delivered).toBe(60);
        expect(result.addRowsCalls).toBeLessThan(60);
        expect(result.throttled).toBe(0);
    });

    it('delivers every row of five 1,000-row requests', async () => {
        const result = await runPushBenchmark({
            requests: 5,
            rowsPerRequest: 1000,
            concurrency: 5,
            coalesceMessages: 32,
            timeScale: 1,
            timeoutMs: 45_000,
        });
        expect(result.delivered).toBe(5000);
    });
});
