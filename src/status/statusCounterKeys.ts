/**
 * Where the status counters live in Table storage (STATUS_TABLE): one partition per dataset and table, holding
 * one entity per minute (`m<yyyy-mm-ddThh:mm>`, the last hour is one range read of at most 61 entities) and one
 * running total (`total`), which sorts after every minute and so comes back in the same range read.
 */
export const minuteMs = 60_000;
export const totalRowKey = 'total';
/** Minute buckets older than this are deleted by the instances that write newer ones. */
export const bucketRetentionMs = 2 * 60 * minuteMs;

/** Row and partition keys exclude / \ # ? and control characters, which dataset and table names may hold. */
const escapeKey = (name: string) => encodeURIComponent(name).replace(/~/g, '%7E');

export const toCounterPartition = (dataset: string, table: string) => `${escapeKey(dataset)}~${escapeKey(table)}`;

export const toMinuteRowKey = (minuteStartMs: number) => `m${new Date(minuteStartMs).toISOString().slice(0, 16)}`;

export const minuteOf = (ms: number) => Math.floor(ms / minuteMs) * minuteMs;
