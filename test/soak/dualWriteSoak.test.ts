import { describe, expect, it } from 'vitest';
import { formatCrashSoak, judgeCrashSoak } from '../../scripts/soak/judgeCrashSoak';
import { faultPhases } from '../../scripts/soak/faultPhases';
import { markedTable, runCrashSoak } from '../../scripts/soak/runCrashSoak';
import { formatFaultSoak, judgeFaultSoak, runFaultSoak } from '../../scripts/soak/runFaultSoak';
import type { SinkTableTally } from '../../scripts/soak/tallySinks';
import { toMarkdownTable } from '../../scripts/soak/toMarkdownTable';

/** Per sink: every accepted row once (or poisoned), none lost; no copy after dedup (Power BI: in the marker table). */
function expectEachSinkOnce(tables: readonly SinkTableTally[]) {
    expect(tables.map((table) => table.sink).sort()).toEqual(['Eventhouse', 'Eventhouse', 'Power BI', 'Power BI']);
    for (const table of tables) {
        expect(table.rowsAccepted).toBeGreaterThan(0);
        expect(table.lost).toBe(0);
        if (table.sink === 'Eventhouse' || table.table === markedTable) {
            expect(table.duplicated).toBe(0);
            expect(table.deliveredOnce + table.poisoned).toBe(table.rowsAccepted);
        } else {
            expect(table.duplicated).toBeLessThanOrEqual(table.unconfirmed);
        }
    }
}

/** The short `npm run soak:crash -- --dual-write` and `npm run soak:faults -- --dual-write`: counts only. */
describe('dual-write soaks (short)', () => {
    it('2 host kills: each sink has every row once after dedup', { timeout: 300_000 }, async () => {
        const results = await runCrashSoak({
            hostKills: 2,
            azuriteKills: 0,
            killAfterMs: [500, 1_500],
            azuriteDownMs: 500,
            azuriteRequests: 0,
            senders: 4,
            ratePerSecond: 10,
            largeEvery: 15,
            smallRows: [1, 30],
            largeRows: [1_000, 2_000],
            queueLeaseSeconds: 3,
            // As in crashSoak.test.ts: the bound is for a stall; packing off, calls at 2 a second set the drain time.
            drainTimeoutSeconds: 180,
            dualWrite: true,
            // As in crashSoak.test.ts: with packing on, a killed host's companions stay hidden past this drain timeout.
            // A 10 s Power BI timeout: a call that may still be in flight is counted after its deadline (timeout + 30 s).
            relaySettings: { PUSH_COALESCE_MESSAGES: '0', POWERBI_TIMEOUT_MS: '10000' },
        });
        const { header, rows } = formatCrashSoak(results);
        console.log(toMarkdownTable(header, rows));
        expect(judgeCrashSoak(results)).toEqual([]);
        expect(results.map((result) => [result.phase, result.kills])).toEqual([['host kills', 2]]);
        expectEachSinkOnce(results[0]!.tables);
    });

    it('a Power BI fault and a Kusto fault: neither sink re-sends to the other', { timeout: 120_000 }, async () => {
        const phases = faultPhases.filter((phase) =>
            ['applied, then timeout', 'Kusto applied, then reset or hang'].includes(phase.name),
        );
        const results = await runFaultSoak({
            phases,
            requestsPerPhase: 16,
            senders: 4,
            ratePerSecond: 12,
            largeEvery: 8,
            smallRows: [1, 20],
            largeRows: [200, 400],
            clientTimeoutMs: 2_000,
            drainTimeoutSeconds: 60,
            dualWrite: true,
        });
        const { header, rows } = formatFaultSoak(results);
        console.log(toMarkdownTable(header, rows));
        expect(judgeFaultSoak(results)).toEqual([]);
        expect(results.map((result) => result.phase)).toEqual(phases.map((phase) => phase.name));
        for (const result of results) expectEachSinkOnce(result.tables);
        const [powerBiFaults, kustoFaults] = results;
        // Power BI's faults were applied and Kusto's were not, and the other way round.
        expect(powerBiFaults!.faultsApplied).toBeGreaterThan(0);
        expect(powerBiFaults!.kustoFaultsApplied).toBe(0);
        expect(kustoFaults!.faultsApplied).toBe(0);
        expect(kustoFaults!.kustoFaultsApplied).toBeGreaterThan(0);
        // The Kusto calls committed and then lost left copies in the raw table; the dedup view has none.
        const raw = kustoFaults!.tables.filter((table) => table.sink === 'Eventhouse');
        expect(raw.reduce((sum, table) => sum + (table.rawDuplicated ?? 0), 0)).toBeGreaterThan(0);
    });
});
