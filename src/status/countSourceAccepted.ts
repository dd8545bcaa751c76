import type { RelayConfig } from '../config/relayConfig';
import { findSource } from '../ingest/sources/ingestSource';
import type { StatusCounters } from './statusCounters';

/** Tallies rows a source committed, under the dataset and table the source maps to. */
export function countSourceAccepted(counters: StatusCounters, config: RelayConfig, source: string, rows: number): void {
    const found = findSource(config, source);
    if (found) counters.count(found.dataset, found.table, { accepted: rows });
}
