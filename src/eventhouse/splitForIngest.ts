import { toMultiJsonLine } from './eventhouseClient';

/**
 * Cuts rows into consecutive parts whose MultiJSON (one line per row) stays within `maxBytes`, in order. The cut
 * depends on the rows alone, so a message delivered again cuts the same parts and the ledger's part numbers still
 * name the same rows. A row larger than `maxBytes` is a part of its own (the client refuses it as too large).
 */
export function splitForIngest<T extends Record<string, unknown>>(rows: readonly T[], maxBytes: number): T[][] {
    const parts: T[][] = [];
    let current: T[] = [];
    let bytes = 0;
    for (const row of rows) {
        // The line and its newline separator.
        const size = Buffer.byteLength(toMultiJsonLine(row), 'utf8') + 1;
        if (current.length > 0 && bytes + size > maxBytes + 1) {
            parts.push(current);
            current = [];
            bytes = 0;
        }
        current.push(row);
        bytes += size;
    }
    if (current.length > 0) parts.push(current);
    return parts;
}
