import type { CommitRowError } from './commitRows';

/** At most this many row errors and dropped names are listed, each name at most `maxNameLength` characters, so an answer stays small. */
const maxListed = 100;
const maxNameLength = 100;

const shorten = (name: string) => (name.length > maxNameLength ? `${name.slice(0, maxNameLength)}…` : name);

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
    const { droppedColumns } = outcome;
    return {
        ingestionId: outcome.ingestionId,
        rows: outcome.rows,
        ...(outcome.tables.length > 1
            ? { tables: Object.fromEntries(outcome.tables.map(({ table, rows }) => [table, rows])) }
            : {}),
        ...(droppedColumns.length > 0 ? { droppedColumns: droppedColumns.slice(0, maxListed).map(shorten) } : {}),
        ...(droppedColumns.length > maxListed ? { droppedColumnsNotListed: droppedColumns.length - maxListed } : {}),
    };
}

/**
 * The 4xx answer: `{"error":{code, message, invalidRows?, rowErrors?, rowErrorsNotListed?}}`, with the first 100 row
 * errors (column names cut to 100 characters) and how many more there are.
 */
export function toErrorBody(
    rejection: { code: string; message: string } & ({ rowErrors: CommitRowError[]; invalidRows: number } | object),
) {
    const { code, message } = rejection;
    if (!('rowErrors' in rejection)) return { error: { code, message } };
    const { rowErrors, invalidRows } = rejection;
    return {
        error: {
            code,
            message,
            invalidRows,
            rowErrors: rowErrors
                .slice(0, maxListed)
                .map((error) => (error.column === undefined ? error : { ...error, column: shorten(error.column) })),
            ...(rowErrors.length > maxListed ? { rowErrorsNotListed: rowErrors.length - maxListed } : {}),
        },
    };
}

/** A retried request whose key was already answered: the first answer again, marked as a replay. */
export const toReplayedAnswer = (outcome: { status: number; body: unknown }) => ({
    status: outcome.status,
    headers: { 'Idempotent-Replayed': 'true' },
    jsonBody: outcome.body,
});

/**
 * 409 while another request commits the same key or events (nothing was enqueued), 503 while Storage is down or
 * did not confirm the enqueue (its message says which); Retry-After says when to send again.
 */
export const toRetryLaterAnswer = (status: 409 | 503, code: string, message: string) => ({
    status,
    headers: { 'Retry-After': status === 409 ? '5' : '10' },
    jsonBody: { error: { code, message } },
});
