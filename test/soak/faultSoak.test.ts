import { describe, expect, it } from 'vitest';
import { faultPhases } from '../../scripts/soak/faultPhases';
import { markedTable } from '../../scripts/soak/runCrashSoak';
import { formatFaultSoak, judgeFaultSoak, runFaultSoak } from '../../scripts/soak/runFaultSoak';
import { toMarkdownTable } from '../../scripts/soak/toMarkdownTable';

/** A few phases of `npm run soak:faults`, small traffic; the counts, never the times, are asserted. */
const phases = faultPhases.filter((phase) =>
    ['429', 'applied, then timeout', 'token endpoint failing'].includes(phase.name),
);

describe('fault soak (short)', () => {
    it('every accepted row arrives once or is poisoned with a reason; copies only as many as reported unconfirmed', async () => {
        const results = await runFaultSoak({
            phases,
            requestsPerPhase: 24,
            senders: 4,
            ratePerSecond: 12,
            largeEvery: 12,
            smallRows: [1, 20],
            largeRows: [200, 400],
            clientTimeoutMs: 2_000,
            drainTimeoutSeconds: 60,
        });
        const { header, rows } = formatFaultSoak(results);
        console.log(toMarkdownTable(header, rows));
        expect(judgeFaultSoak(results)).toEqual([]);
        expect(results.map((result) => result.phase)).toEqual(phases.map((phase) => phase.name));
        const byPhase = new Map(results.map((result) => [result.phase, result]));
        for (const result of results) {
            for (const table of result.tables) {
                expect(table.rowsAccepted).toBeGreaterThan(0);
                expect(table.lost).toBe(0);
                expect(table.duplicated).toBeLessThanOrEqual(table.unconfirmed);
            }
            const marked = result.tables.find((table) => table.table === markedTable)!;
            expect(marked.duplicated).toBe(0);
            expect(marked.deliveredOnce + marked.poisoned).toBe(marked.rowsAccepted);
        }
        // Power BI's 429s were answered and the faults applied.
        expect(byPhase.get('429')!.answered429).toBeGreaterThan(0);
        for (const result of results) expect(result.faultsApplied).toBeGreaterThan(0);
        // A call stored and then timed out: counted in Power BI on the marker table, settled by policy on the other
        // (whichever table's call met the fault).
        const applied = byPhase.get('applied, then timeout')!.tables;
        expect(applied.reduce((sum, table) => sum + table.verified + table.unconfirmed, 0)).toBeGreaterThan(0);
    });
});
