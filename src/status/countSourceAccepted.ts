import type { RelayConfig } from '../config/relayConfig';
import { findSource } from '../ingest/sources/ingestSource';
import type { StatusCounters } from './statusCounters';

/** Tallies the rows a source committed to each of its tables, under the source's dataset. */
export function countSourceAccepted(
    counters: StatusCounters,
    config: RelayConfig,
    source: string,
    tables: readonly { table: string; rows: number }[],
): void {
    const found = findSource(config, source);
    if (!found) return;
    for (const { table, rows } of tables) if (rows > 0) counters.count(found.dataset, table, { accepted: rows });
}
