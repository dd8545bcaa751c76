import type { StoredMaterializedView, StoredRow, StoredTable } from '../state/KustoStore';

/**
 * The rows a `summarize take_any(*) by <key>` materialized view answers: one row per key (the first one ingested),
 * over the source rows since the view's creation, or all of them with `backfill=true`. The service materializes in the
 * background and merges the not-yet-materialized delta at query time, so a query sees every ingested row; so does
 * the emulator.
 */
export function viewRows(view: StoredMaterializedView, source: StoredTable): StoredRow[] {
    const seen = new Set<string>();
    const rows: StoredRow[] = [];
    for (const row of source.rows.slice(view.firstRowIndex)) {
        const key = JSON.stringify(row.values[view.key] ?? null);
        if (seen.has(key)) continue;
        seen.add(key);
        rows.push(row);
    }
    return rows;
}
