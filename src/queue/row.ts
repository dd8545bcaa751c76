import type { LosslessNumber } from 'lossless-json';

/**
 * One row as the queue carries it: column name to value. An exact number (an Int64 or Decimal a double cannot hold)
 * travels as a string of its digits, in a column its message names in `exactColumns`.
 */
export type RowValue = string | number | boolean | null;
export type Row = Record<string, RowValue>;

/** A row on its way to Add Rows: its exact numbers are LosslessNumbers, written as JSON numbers with their digits. */
export type PushRow = Record<string, RowValue | LosslessNumber>;
