import { eventIdColumn } from '../../src/eventhouse/kustoTableSchema';
import type { KustoEmulatorControl } from './kustoEmulatorControl';
import type { SinkProbe } from './SinkProbe';

/**
 * Count an Eventhouse table's rows per id (column `idColumn`) in the Kusto emulator, from the raw table its control
 * API shows: `dedup` as the dedup view Power BI reads (`summarize take_any(*) by EventId`: one row per EventId), `raw`
 * as the table itself (copies an ambiguous outcome left, before dedup). The two read each table once between them.
 * The Kusto table is named after the Power BI one (the config names no other).
 */
export function kustoSinkProbes(
    kusto: KustoEmulatorControl,
    database: string,
    idColumn: string,
): Record<'dedup' | 'raw', SinkProbe> {
    const read = new Map<string, ReturnType<KustoEmulatorControl['rows']>>();
    const rowsOf = (table: string) => {
        const rows = read.get(table) ?? kusto.rows(database, table);
        read.set(table, rows);
        return rows;
    };
    const probe = (view: 'dedup' | 'raw'): SinkProbe => ({
        name: view === 'dedup' ? 'Eventhouse (dedup view)' : 'Eventhouse (raw table)',
        async countIds(table) {
            const counts = new Map<string, number>();
            const seen = new Set<string>();
            for (const row of await rowsOf(table)) {
                const eventId = String(row[eventIdColumn]);
                if (view === 'dedup' && seen.has(eventId)) continue;
                seen.add(eventId);
                const id = String(row[idColumn]);
                counts.set(id, (counts.get(id) ?? 0) + 1);
            }
            return counts;
        },
    });
    return { dedup: probe('dedup'), raw: probe('raw') };
}
