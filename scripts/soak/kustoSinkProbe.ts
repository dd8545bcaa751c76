import { eventIdColumn } from '../../src/eventhouse/kustoTableSchema';
import type { KustoEmulatorControl } from './kustoEmulatorControl';
import type { SinkProbe } from './SinkProbe';

/**
 * Counts an Eventhouse table's rows per id (column `idColumn`) in the Kusto emulator, from the raw table its control
 * API shows: `dedup` as the dedup view Power BI reads (`summarize take_any(*) by EventId`: one row per EventId), `raw`
 * as the table itself (copies an ambiguous outcome left, before dedup). The Kusto table is named after the Power BI
 * one (the config names no other).
 */
export function kustoSinkProbe(
    kusto: KustoEmulatorControl,
    database: string,
    idColumn: string,
    view: 'dedup' | 'raw',
): SinkProbe {
    return {
        name: view === 'dedup' ? 'Eventhouse (dedup view)' : 'Eventhouse (raw table)',
        async countIds(table) {
            const counts = new Map<string, number>();
            const seen = new Set<string>();
            for (const row of await kusto.rows(database, table)) {
                const eventId = String(row[eventIdColumn]);
                if (view === 'dedup' && seen.has(eventId)) continue;
                seen.add(eventId);
                const id = String(row[idColumn]);
                counts.set(id, (counts.get(id) ?? 0) + 1);
            }
            return counts;
        },
    };
}
