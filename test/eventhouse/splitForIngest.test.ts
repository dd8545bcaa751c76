import { describe, expect, it } from 'vitest';
import { maxIngestBytes } from '../../src/config/settings';
import { toMultiJsonLine } from '../../src/eventhouse/eventhouseClient';
import { splitForIngest } from '../../src/eventhouse/splitForIngest';

const row = (id: number, size: number) => ({ EventId: `i:${id}`, Name: 'x'.repeat(size) });
const bytesOf = (rows: readonly Record<string, unknown>[]) =>
    Buffer.byteLength(rows.map(toMultiJsonLine).join('\n'), 'utf8');

describe('splitForIngest', () => {
    it('keeps rows that fit in one part, in order', () => {
        const rows = [row(0, 10), row(1, 10), row(2, 10)];
        expect(splitForIngest(rows, maxIngestBytes)).toEqual([rows]);
    });

    it('cuts larger batches into consecutive parts of at most the limit, the same cut every time', () => {
        const rows = Array.from({ length: 50 }, (_, id) => row(id, 200_000));
        const parts = splitForIngest(rows, maxIngestBytes);
        expect(parts.length).toBeGreaterThan(2);
        expect(parts.flat()).toEqual(rows);
        for (const part of parts) expect(bytesOf(part)).toBeLessThanOrEqual(maxIngestBytes);
        // A part holds as many rows as fit: with the next row it would be too large.
        for (const [index, part] of parts.slice(0, -1).entries()) {
            expect(bytesOf([...part, parts[index + 1]![0]!])).toBeGreaterThan(maxIngestBytes);
        }
        expect(splitForIngest(rows, maxIngestBytes)).toEqual(parts);
    });

    it('an exact fit stays one part; a row larger than the limit is a part of its own', () => {
        const two = [row(0, 10), row(1, 10)];
        expect(splitForIngest(two, bytesOf(two))).toEqual([two]);
        expect(splitForIngest(two, bytesOf(two) - 1)).toEqual([[two[0]], [two[1]]]);
        const huge = row(2, 100);
        expect(splitForIngest([two[0]!, huge, two[1]!], 60)).toEqual([[two[0]], [huge], [two[1]]]);
    });
});
