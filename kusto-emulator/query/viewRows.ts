import type { StoredMaterializedView, StoredRow, StoredTable } from '../state/KustoStore';

const unitSeconds: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/** Seconds of a lookback such as `6h` or `1d`. */
export function lookbackSeconds(text: string): number {
    const match = /^(\d+(?:\.\d+)?)([dhms])$/.exec(text);
    return match ? Math.round(Number(match[1]) * (unitSeconds[match[2] ?? 's'] ?? 1)) : 0;
}

/**
 * The rows a `summarize take_any(*) by <key>` materialized view answers: one row per key (the first one ingested),
 * over the source rows since the view's creation, or all of them with `backfill=true`. The service materializes in the
 * background and merges the not-yet-materialized delta at query time, so a query sees every ingested row; so does
 * the emulator. With a `lookback`, a row is a duplicate only when the kept row of its key was ingested within the
 * lookback before it (documented: a too short lookback "can result in duplicate records").
 */
export function viewRows(view: StoredMaterializedView, source: StoredTable): StoredRow[] {
    const lookbackMs = view.lookback ? lookbackSeconds(view.lookback) * 1000 : Number.POSITIVE_INFINITY;
    const kept = new Map<string, number>();
    const rows: StoredRow[] = [];
    for (const row of source.rows.slice(view.firstRowIndex)) {
        const key = JSON.stringify(row.values[view.key] ?? null);
        const at = Date.parse(row.ingestionTime);
        const keptAt = kept.get(key);
        if (keptAt !== undefined && at - keptAt <= lookbackMs) continue;
        kept.set(key, at);
        rows.push(row);
    }
    return rows;
}
