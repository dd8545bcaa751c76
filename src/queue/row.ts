/** One row as the queue carries it and Add Rows takes it: column name to value. */
export type RowValue = string | number | boolean | null;
export type Row = Record<string, RowValue>;
