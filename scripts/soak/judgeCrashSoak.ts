import { markedTable, type PhaseResult } from './runCrashSoak';
import type { SinkTableTally } from './tallySinks';

/** A table as the report names it: `Marked`, or `Marked (Eventhouse)` for the Eventhouse sink's. */
export function sinkTableName(table: SinkTableTally): string {
    return table.sink === 'Power BI' ? table.table : `${table.table} (${table.sink})`;
}

/** Dual-write results: the tables get a sink column and the Eventhouse's raw-table copies one. */
export function hasEventhouse(results: readonly { tables: readonly SinkTableTally[] }[]): boolean {
    return results.some((result) => result.tables.some((table) => table.sink === 'Eventhouse'));
}

/**
 * What the host phase must show (issue 11): no row lost, none twice in the table with a marker column, and in the
 * other table no more copies than rows the relay reported as unconfirmed; with dual-write, in the Eventhouse's dedup
 * view none lost and none twice in either table. Azurite kills are reported, not judged.
 * Returns the broken expectations, none when it held.
 */
export function judgeCrashSoak(results: readonly PhaseResult[]): string[] {
    const broken: string[] = [];
    for (const result of results.filter((candidate) => candidate.phase === 'host kills')) {
        if (result.drainSeconds === undefined) broken.push(`${result.phase}: the rows queue did not drain`);
        for (const table of result.tables) {
            const name = sinkTableName(table);
            if (table.lost > 0) broken.push(`${result.phase}: ${table.lost} rows of ${name} lost`);
            if (table.table === markedTable && table.duplicated > 0)
                broken.push(`${result.phase}: ${table.duplicated} rows of ${name} duplicated`);
            if (table.duplicated > table.unconfirmed)
                broken.push(
                    `${result.phase}: ${table.duplicated} rows of ${name} duplicated, only ${table.unconfirmed} unconfirmed`,
                );
        }
    }
    return broken;
}

/** One line per phase and table. */
export function formatCrashSoak(results: readonly PhaseResult[]): { header: string[]; rows: string[][] } {
    const dual = hasEventhouse(results);
    return {
        header: [
            'phase',
            'kills',
            'table',
            ...(dual ? ['sink'] : []),
            'requests',
            'rows accepted (202)',
            'delivered once',
            'lost',
            'duplicated',
            'unconfirmed',
            'verified',
            'poisoned',
            ...(dual ? ['raw copies (before dedup)'] : []),
            'rows not accepted (arrived)',
            'drain s',
        ],
        rows: results.flatMap((result) =>
            result.tables.map((table) => [
                result.phase,
                String(result.kills),
                table.table,
                ...(dual ? [table.sink] : []),
                String(table.requests),
                String(table.rowsAccepted),
                String(table.deliveredOnce),
                String(table.lost),
                String(table.duplicated),
                String(table.unconfirmed),
                String(table.verified),
                String(table.poisoned),
                ...(dual ? [table.rawDuplicated === undefined ? '–' : String(table.rawDuplicated)] : []),
                `${table.rowsNotAccepted} (${table.rowsNotAcceptedDelivered})`,
                result.drainSeconds === undefined ? 'timed out' : result.drainSeconds.toFixed(1),
            ]),
        ),
    };
}
