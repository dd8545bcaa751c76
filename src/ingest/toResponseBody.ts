import type { CommitRowError } from './commitRows';

/**
 * The 202 answer of the webhook and the sources; `droppedColumns` only when the table dropped some, `tables`
 * (rows per table) only when the rows went to several tables (a source with `tables`).
 */
export function toAcceptedBody(outcome: {
    ingestionId: string;
    rows: number;
    droppedColumns: string[];
    tables: { table: string; rows: number }[];
}) {
    return {
        ingestionId: outcome.ingestionId,
        rows: outcome.rows,
        ...(outcome.tables.length > 1
            ? { tables: Object.fromEntries(outcome.tables.map(({ table, rows }) => [table, rows])) }
            : {}),
        ...(outcome.droppedColumns.length > 0 ? { droppedColumns: outcome.droppedColumns } : {}),
    };
}

/** The 4xx answer: `{"error":{code, message, invalidRows?, rowErrors?}}`. */
export function toErrorBody(
    rejection: { code: string; message: string } & ({ rowErrors: CommitRowError[]; invalidRows: number } | object),
) {
    const { code, message } = rejection;
    const rows = 'rowErrors' in rejection ? { invalidRows: rejection.invalidRows, rowErrors: rejection.rowErrors } : {};
    return { error: { code, message, ...rows } };
}
