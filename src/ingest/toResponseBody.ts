import type { RowError } from './validateRows';

/** The 202 answer of the webhook and the sources; `droppedColumns` only when the table dropped some. */
export function toAcceptedBody(outcome: { ingestionId: string; rows: number; droppedColumns: string[] }) {
    return {
        ingestionId: outcome.ingestionId,
        rows: outcome.rows,
        ...(outcome.droppedColumns.length > 0 ? { droppedColumns: outcome.droppedColumns } : {}),
    };
}

/** The 4xx answer: `{"error":{code, message, invalidRows?, rowErrors?}}`. */
export function toErrorBody(
    rejection: { code: string; message: string } & ({ rowErrors: RowError[]; invalidRows: number } | object),
) {
    const { code, message } = rejection;
    const rows = 'rowErrors' in rejection ? { invalidRows: rejection.invalidRows, rowErrors: rejection.rowErrors } : {};
    return { error: { code, message, ...rows } };
}
