import { describe, expect, it } from 'vitest';
import { formatTable } from '../../scripts/benchmarkPush';
import { runScenario, type ScenarioName, type ScenarioOptions } from '../../scripts/bench/pushScenarios';

/**
 * Short versions of every `npm run bench:push` scenario, each against its own `npm start`. They assert counts
 * only: every request accepted, every row in Power BI exactly once, and no 429 (the relay is the only writer, so
 * its shared budget keeps every call within Power BI's limits).
 */
const short: ScenarioOptions = {
    requests: 80,
    senders: 16,
    instances: 3,
    rate: 15,
    seconds: 4,
    // Above the 60 offered rows, so that all of them arrive within the run.
    hourlyRows: 1_000,
    fillRows: 1_000,
    cliffRows: 1_000,
    // Calls 3 s apart past the cliff instead of 30 s, in the emulator and in the relay alike.
    cliffCallsPerHour: 1_200,
    timeoutSeconds: 90,
    relaySettings: {},
};

describe('push benchmark (short)', () => {
    it.each<[ScenarioName, Partial<ScenarioOptions>]>([
        ['backlog', {}],
        ['sustained', {}],
        ['cliff', { requests: 40 }],
        ['instances', {}],
        ['accept', { requests: 60 }],
        ['dualWrite', { requests: 60 }],
    ])(
        '%s: every request is accepted, every row reaches Power BI exactly once, and Power BI never answers 429',
        async (scenario, sizes) => {
            const result = await runScenario(scenario, { ...short, ...sizes });
            console.log(formatTable([result]));
            expect(result.accepted).toBe(result.requests);
            expect({ duplicates: result.duplicates, missing: result.missing }).toEqual({ duplicates: 0, missing: 0 });
            expect(result.deliveredRows).toBe(result.expectedRows);
            expect(result.throttled).toBe(0);
            if (scenario === 'dualWrite') {
                // The Eventhouse sink: every row once after dedup by EventId.
                expect(result.eventhouse).toMatchObject({ sink: 'eventhouse', duplicates: 0, missing: 0 });
                expect(result.eventhouse!.deliveredRows).toBe(result.expectedRows);
            }
        },
        180_000,
    );
});
