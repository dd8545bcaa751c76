import { markedTable, type PhaseResult } from './runCrashSoak';

/**
 * What the host phase must show (issue 11): no row lost, none twice in the table with a marker column, and in the
 * other table no more copies than rows the relay reported as unconfirmed. Azurite kills are reported, not judged.
 * Returns the broken expectations, none when it held.
 */
export function judgeCrashSoak(results: readonly PhaseResult[]): string[] {
    const broken: string[] = [];
    for (const result of results.filter((candidate) => candidate.phase === 'host kills')) {
        if (result.drainSeconds === undefined) broken.push(`${result.phase}: the rows queue did not drain`);
        for (const table of result.tables) {
            if (table.lost > 0) broken.push(`${result.phase}: ${table.lost} rows of ${table.table} lost`);
            if (table.table === markedTable && table.duplicated > 0)
                broken.push(`${result.phase}: ${table.duplicated} rows of ${table.table} duplicated`);
            if (table.duplicated > table.unconfirmed)
                broken.push(
                    `${result.phase}: ${table.duplicated} rows of ${table.table} duplicated, only ${table.unconfirmed} unconfirmed`,
                );
        }
    }
    return broken;
}

/** One line per phase and table. */
export function formatCrashSoak(results: readonly PhaseResult[]): { header: string[]; rows: string[][] } {
    return {
        header: [
            'phase',
            'kills',
            'table',
            'requests',
            'rows accepted (202)',
            'delivered once',
            'lost',
            'duplicated',
            'unconfirmed',
            'verified',
            'poisoned',
            'rows not accepted (arrived)',
            'drain s',
        ],
        rows: results.flatMap((result) =>
            result.tables.map((table) => [
                result.phase,
                String(result.kills),
                table.table,
                String(table.requests),
                String(table.rowsAccepted),
                String(table.deliveredOnce),
                String(table.lost),
                String(table.duplicated),
                String(table.unconfirmed),
                String(table.verified),
                String(table.poisoned),
                `${table.rowsNotAccepted} (${table.rowsNotAcceptedDelivered})`,
                result.drainSeconds === undefined ? 'timed out' : result.drainSeconds.toFixed(1),
            ]),
        ),
    };
}
