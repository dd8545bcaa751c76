/**
 * The DAX counts the relay sends to Datasets - Execute Queries (the emulator serves just these shapes): a push
 * table's rows, and the rows one Add Rows call carried by its marker column; and the number their answer holds.
 */
const daxName = (name: string, open: string, close: string) =>
    `${open}${name.replaceAll(close, close + close)}${close}`;

/** The DAX that counts a push table's rows (npm run compare-sinks). */
export function toRowCountQuery(table: string): string {
    return `EVALUATE ROW("rows", COUNTROWS(${daxName(table, "'", "'")}))`;
}

/**
 * The number a count query (toRowCountQuery, toMarkerCountQuery) answered; COUNTROWS over no row is blank, which is 0.
 * Undefined when the answer holds no number.
 */
export function readRowCount(rows: readonly Record<string, unknown>[]): number | undefined {
    const value = rows[0]?.['[rows]'];
    if (value === null) return 0;
    const count = Number(value);
    return value === undefined || !Number.isFinite(count) ? undefined : count;
}

/** The DAX that counts the rows one call carried, by the id the relay put in the table's marker column. */
export function toMarkerCountQuery(table: string, column: string, callId: string): string {
    const quoted = daxName(table, "'", "'");
    return `EVALUATE ROW("rows", COUNTROWS(FILTER(${quoted}, ${quoted}${daxName(column, '[', ']')} = ${daxName(callId, '"', '"')})))`;
}
