import { randomBytes } from 'node:crypto';
import { refreshIdSeparator } from './refreshRecord';

/** Larger than any millisecond timestamp until the year 5138, so inverted keys keep their width. */
const invertFrom = 99_999_999_999_999;

/**
 * A RowKey that sorts newest first (Table storage returns a partition in key order), with a random
 * suffix so two refreshes requested in the same millisecond never share a key.
 */
export function newRefreshRowKey(requestedAt: Date): string {
    const inverted = (invertFrom - requestedAt.getTime()).toString().padStart(14, '0');
    return `${inverted}-${randomBytes(3).toString('hex')}`;
}

/** The first RowKey of refreshes requested before `time` (keys of older refreshes are greater). */
export function rowKeyBefore(time: Date): string {
    return (invertFrom - time.getTime()).toString().padStart(14, '0');
}

/** Splits a tracking id `<target>~<rowKey>`; undefined when it cannot be one. */
export function fromRefreshId(id: string): { target: string; rowKey: string } | undefined {
    const at = id.indexOf(refreshIdSeparator);
    if (at <= 0 || at === id.length - 1) return undefined;
    const target = id.slice(0, at);
    const rowKey = id.slice(at + 1);
    if (!/^[A-Za-z0-9_-]+$/.test(target) || !/^\d{14}-[0-9a-f]{6}$/.test(rowKey)) return undefined;
    return { target, rowKey };
}
