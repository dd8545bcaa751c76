import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
    fromQueueText,
    maxQueueMessageBytes,
    resendRoomBytes,
    rowsMessageSchema,
    rowsQueueMessageSchema,
    toInlineQueueText,
    toQueueText,
    toTablesQueueText,
    type TableRowsText,
} from '../../src/queue/rowsMessage';
import { stringify } from 'lossless-json';
import { toTableMessages } from '../../src/push/fanOutTables';
import { readMessageRows, type RowsBlobs } from '../../src/queue/rowsBlobs';
import { retryDelaySeconds } from '../../src/push/retryDelay';
import { decodeQueueMessage, type QueueMessageEncoding } from '../../local/host/queueMessageEncoding';

const message = {
    version: 1 as const,
    ingestionId: 'i-1',
    dataset: 'SalesMarketing',
    table: 'Product',
    rowCount: 1,
    receivedAt: '2024-05-01T00:00:00.000Z',
    rows: [{ ProductID: 1 }],
};

describe('rows queue message', () => {
    it('is encoded the way host.json tells the Functions host to decode it', () => {
        const hostJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8'));
        const encoding = hostJson.extensions.queues.messageEncoding.toLowerCase() as QueueMessageEncoding;
        expect(JSON.parse(decodeQueueMessage(toQueueText(message), encoding)!)).toEqual(message);
        expect(fromQueueText(toQueueText(message))).toEqual(message);
    });

    it('defaults part and attempt and requires rows or a blob, not both', () => {
        expect(rowsMessageSchema.parse(message)).toMatchObject({ part: 0, attempt: 0 });
        expect(rowsMessageSchema.safeParse({ ...message, blob: 'b' }).success).toBe(false);
        expect(rowsMessageSchema.safeParse({ ...message, rows: undefined }).success).toBe(false);
        expect(rowsMessageSchema.safeParse({ ...message, rowCount: 2 }).success).toBe(false);
        expect(rowsMessageSchema.safeParse({ ...message, version: 2 }).success).toBe(false);
    });

    it('builds the inline queue text from the rows JSON, the same message toQueueText encodes', () => {
        const { rows, ...envelope } = message;
        const text = toInlineQueueText({ ...envelope, part: 0, attempt: 0 }, JSON.stringify(rows));
        expect(fromQueueText(text!)).toEqual({ ...message, part: 0, attempt: 0 });
        expect(fromQueueText(text!)).toEqual(fromQueueText(toQueueText({ ...message, part: 0, attempt: 0 })));
    });

    it('knows when rows no longer fit in a queue message less the room for resends, counting UTF-8 bytes', () => {
        const envelope = { ...message, rows: undefined, part: 0, attempt: 0 };
        const text = (rows: unknown[]) => toInlineQueueText(envelope, JSON.stringify(rows));
        const named = (n: number, name: string) => Array.from({ length: n }, (_, i) => ({ ProductID: i, Name: name }));
        expect(text(named(100, 'x'.repeat(100)))!.length).toBeLessThanOrEqual(maxQueueMessageBytes - resendRoomBytes);
        expect(text(named(1000, 'x'.repeat(100)))).toBeUndefined();
        // 300 rows of 100 'é' are 38,291 UTF-16 units (51 KiB as Base64) but 68,291 bytes of UTF-8 (89 KiB).
        expect(text(named(300, 'é'.repeat(100)))).toBeUndefined();
    });
});

describe('several-table rows message (version 2)', () => {
    const envelope = {
        version: 2 as const,
        ingestionId: 'i-2',
        dataset: 'GitHub',
        receivedAt: '2024-05-01T00:00:00.000Z',
    };
    const tables = [
        { table: 'Commits', rowCount: 2, rows: [{ CommitId: 'a' }, { CommitId: 'b' }] },
        { table: 'Pushes', rowCount: 1, blob: 'i-2.1.json' },
    ];

    it('is read next to version 1 messages by version, each table with its rows inline or a blob', () => {
        expect(rowsQueueMessageSchema.parse(message)).toMatchObject({ version: 1, part: 0, attempt: 0 });
        expect(rowsQueueMessageSchema.parse({ ...envelope, tables })).toEqual({ ...envelope, tables });
        const invalid = [
            { ...envelope, tables: tables.slice(0, 1) },
            { ...envelope, tables: [tables[0], { ...tables[1], rows: [{}] }] },
            { ...envelope, tables: [tables[0], { ...tables[0], rowCount: 3 }] },
            { ...envelope, tables: [tables[0], tables[0]] },
            { ...envelope, table: 'Commits', tables },
            { ...envelope, version: 3, tables },
        ];
        for (const body of invalid) expect(rowsQueueMessageSchema.safeParse(body).success).toBe(false);
    });

    it('builds its queue text from each table rows JSON, the same message toQueueText encodes', () => {
        const texts: TableRowsText[] = [
            { table: 'Commits', rowCount: 2, rowsJson: JSON.stringify(tables[0]!.rows) },
            { table: 'Pushes', rowCount: 1, blob: 'i-2.1.json' },
        ];
        const text = toTablesQueueText(envelope, texts);
        expect(fromQueueText(text!)).toEqual({ ...envelope, tables });
        expect(rowsQueueMessageSchema.parse(fromQueueText(text!))).toEqual({ ...envelope, tables });
    });

    it('fits inline only when every version 1 message it fans out into fits as well', () => {
        const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ CommitId: `${i}`.padStart(40, '0') }));
        // Grow the Commits table until the message no longer fits; the largest that fits is checked.
        let largest: string | undefined;
        const longest = { ...envelope, ingestionId: '0'.repeat(96) };
        for (let n = 700; ; n += 1) {
            const text = toTablesQueueText(longest, [
                { table: 'Commits', rowCount: n, rowsJson: JSON.stringify(rows(n)) },
                { table: 'P', rowCount: 1, rowsJson: '[{}]' },
            ]);
            if (text === undefined) break;
            largest = text;
        }
        expect(largest!.length).toBeLessThanOrEqual(maxQueueMessageBytes - resendRoomBytes);
        const parent = rowsQueueMessageSchema.parse(fromQueueText(largest!));
        if (parent.version !== 2) throw new Error('expected a version 2 message');
        for (const child of toTableMessages(parent)) {
            // A child is committed too (its own resends take the same room): it fits within the same bound.
            expect(toQueueText(child).length).toBeLessThanOrEqual(maxQueueMessageBytes - resendRoomBytes);
            expect(rowsMessageSchema.parse(child)).toEqual(child);
        }
    });
});

describe('rows messages with exact numbers (versions 3 and 4)', () => {
    const exactRows = [
        { Id: '9223372036854775806', Amount: '123456789012345678901234', Name: '42' },
        { Id: 1, Amount: null, Name: 'x' },
    ];
    const single = { ...message, version: 3 as const, rowCount: 2, rows: exactRows, exactColumns: ['Amount', 'Id'] };
    const noBlobs: RowsBlobs = {
        put: async () => undefined,
        get: async () => undefined,
        delete: async () => undefined,
    };
    const addRowsBody = async (queued: unknown) => {
        const parsed = rowsQueueMessageSchema.parse(fromQueueText(toQueueText(queued)));
        if ('tables' in parsed) throw new Error('expected a single-table message');
        const read = await readMessageRows(parsed, noBlobs);
        if (read.kind !== 'rows') throw new Error(read.reason);
        return stringify({ rows: read.rows });
    };

    it('carries the same digits from the queue to the Add Rows body, and only exact columns become numbers', async () => {
        expect(await addRowsBody(single)).toBe(
            '{"rows":[{"Id":9223372036854775806,"Amount":123456789012345678901234,"Name":"42"},{"Id":1,"Amount":null,"Name":"x"}]}',
        );
        // Version 1 and 2 messages already queued read and deliver as before.
        expect(await addRowsBody({ ...message, rows: [{ ProductID: 1, Name: '9223372036854775806' }] })).toBe(
            '{"rows":[{"ProductID":1,"Name":"9223372036854775806"}]}',
        );
    });

    it('reads exact numbers from a claim-check blob as from inline rows', async () => {
        const { rows, ...envelope } = single;
        const blobs: RowsBlobs = { ...noBlobs, get: async () => rows };
        const read = await readMessageRows({ ...envelope, blob: 'i-1.json' }, blobs);
        expect(read.kind === 'rows' && stringify(read.rows)).toBe(
            stringify(((await readMessageRows(single, noBlobs)) as { rows: unknown }).rows),
        );
    });

    it('needs exactColumns in version 3 and refuses them in version 1; a string that is not a number is not pushed', async () => {
        expect(rowsMessageSchema.safeParse(single).success).toBe(true);
        expect(rowsMessageSchema.safeParse({ ...single, exactColumns: undefined }).success).toBe(false);
        expect(rowsMessageSchema.safeParse({ ...single, exactColumns: [] }).success).toBe(false);
        expect(rowsMessageSchema.safeParse({ ...single, version: 1 }).success).toBe(false);
        const bad = { ...single, rows: [{ Id: '1e5' }, { Id: 'NaN' }], rowCount: 2 };
        expect(await readMessageRows(bad, noBlobs)).toEqual({
            kind: 'missing',
            reason: `Row 0's exact number in column "Id" is not a number`,
        });
    });

    it('fans a version 4 message out into version 3 children for tables with exact numbers, version 1 for others', () => {
        const parent = {
            version: 4 as const,
            ingestionId: 'i-4',
            dataset: 'Ledger',
            receivedAt: '2024-05-01T00:00:00.000Z',
            tables: [
                {
                    table: 'Entries',
                    rowCount: 1,
                    rows: [{ Amount: '123456789012345678901234' }],
                    exactColumns: ['Amount'],
                },
                { table: 'Notes', rowCount: 1, rows: [{ Text: 'x' }] },
            ],
        };
        const text = toTablesQueueText(
            parent,
            parent.tables.map(({ rows, ...entry }) => ({ ...entry, rowsJson: JSON.stringify(rows) })),
        );
        const parsed = rowsQueueMessageSchema.parse(fromQueueText(text!));
        expect(parsed).toEqual(parent);
        if (parsed.version !== 4) throw new Error('expected a version 4 message');
        const children = toTableMessages(parsed);
        expect(
            children.map((child) => [child.version, 'exactColumns' in child ? child.exactColumns : undefined]),
        ).toEqual([
            [3, ['Amount']],
            [1, undefined],
        ]);
        for (const child of children) expect(rowsMessageSchema.parse(child)).toEqual(child);
        expect(rowsQueueMessageSchema.safeParse({ ...parent, version: 2 }).success).toBe(false);
    });
});

describe('retryDelaySeconds', () => {
    const policy = { baseSeconds: 5, maxSeconds: 900 };
    it('doubles per attempt with jitter between half and all, capped', () => {
        expect(retryDelaySeconds(1, policy, 0, () => 0)).toBe(3);
        expect(retryDelaySeconds(1, policy, 0, () => 1)).toBe(5);
        expect(retryDelaySeconds(4, policy, 0, () => 1)).toBe(40);
        expect(retryDelaySeconds(20, policy, 0, () => 1)).toBe(900);
    });
    it('never waits less than the service asked', () => {
        expect(retryDelaySeconds(1, policy, 120, () => 0)).toBe(120);
    });
});
