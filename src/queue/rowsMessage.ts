import { z } from 'zod';

/** Azure Storage queues take at most 64 KiB per message, measured on the encoded text (Azurite refuses one more). */
export const maxQueueMessageBytes = 64 * 1024;

/**
 * What the relay may add to a committed message when it sends it again (requeued, forwarded, a larger part and
 * attempt, a claim-check copy's name) or poisons it (its failure, whose texts sendPoison bounds): a committed
 * message leaves this much of the 64 KiB free, so that no resend or poisoning of it is ever too large to store.
 */
export const resendRoomBytes = 3 * 1024;

const rowValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const rowsSchema = z.array(z.record(z.string(), rowValueSchema));

/**
 * The columns whose string values are exact numbers (Int64 or Decimal values a double cannot hold, written as their
 * digits): Add Rows gets them as JSON numbers with the same digits. Their other values are numbers or null.
 */
const exactColumnsSchema = z.array(z.string().min(1)).min(1).max(75);

/** Inline rows or a claim-check blob, and as many inline rows as announced. */
function withRowsOrBlob<T extends z.ZodType<{ rows?: unknown[]; blob?: string; rowCount: number }>>(schema: T): T {
    return schema
        .refine((message) => (message.rows === undefined) !== (message.blob === undefined), {
            message: 'exactly one of rows or blob must be present',
        })
        .refine((message) => message.rows === undefined || message.rows.length === message.rowCount, {
            message: 'rowCount must equal the number of inline rows',
            path: ['rowCount'],
        });
}

const tableMessageShape = {
    ingestionId: z.string().min(1).max(100),
    dataset: z.string().min(1),
    table: z.string().min(1),
    rowCount: z.number().int().positive(),
    receivedAt: z.iso.datetime(),
    rows: rowsSchema.optional(),
    blob: z.string().min(1).optional(),
    part: z.number().int().nonnegative().default(0),
    attempt: z.number().int().nonnegative().default(0),
    /**
     * Sent again by the relay (rescheduled, handed back after packing, replayed): the ledger may hold some of
     * its parts. A message that is neither this nor received before (dequeue count 1) cannot have been pushed.
     */
    requeued: z.literal(true).optional(),
    /**
     * On the Eventhouse queue: its copy for the push was sent before (a dual-write dataset's ingestion rescheduled
     * or poisoned by the Eventhouse sink, or one of its fanned-out tables), so forwardToPowerBi sends none.
     */
    forwarded: z.literal(true).optional(),
};

/**
 * One accepted ingestion of one table: its rows travel inline when they fit in a queue message, otherwise in a blob
 * (claim check) so that a single message still commits the whole ingestion at once. `part` is the first Add Rows
 * part (of PUSH_MAX_ROWS_PER_POST rows) not yet pushed, `attempt` counts transient failures. Version 1 carries plain
 * JSON values; version 3 is the same with `exactColumns`, for rows that hold exact numbers.
 */
export const rowsMessageSchema = z.discriminatedUnion('version', [
    withRowsOrBlob(z.strictObject({ version: z.literal(1), ...tableMessageShape })),
    withRowsOrBlob(z.strictObject({ version: z.literal(3), ...tableMessageShape, exactColumns: exactColumnsSchema })),
]);

export type RowsMessage = z.infer<typeof rowsMessageSchema>;

const tableRowsShape = {
    table: z.string().min(1),
    rowCount: z.number().int().positive(),
    rows: rowsSchema.optional(),
    blob: z.string().min(1).optional(),
};

const tablesMessageShape = {
    // Leaves room for the children's ".<i>" within version 1's 100 characters.
    ingestionId: z.string().min(1).max(96),
    dataset: z.string().min(1),
    receivedAt: z.iso.datetime(),
};

function withTablesOnce<T extends z.ZodType<{ tables: { table: string }[] }>>(schema: T): T {
    return schema.refine(
        (message) => new Set(message.tables.map((entry) => entry.table)).size === message.tables.length,
        {
            message: 'each table appears once',
            path: ['tables'],
        },
    );
}

/**
 * One accepted ingestion with rows for several tables of one dataset (a source with `tables`), committed by this
 * one message, each table's rows inline or in their own claim-check blob. The push function fans it out into one
 * single-table message per table (fanOutTables) before any row is pushed, the child of `tables[i]` with ingestion id
 * `<ingestionId>.<i>`. Version 4 is version 2 whose tables may name `exactColumns` (their children are version 3).
 */
export const tablesMessageSchema = z.discriminatedUnion('version', [
    withTablesOnce(
        z.strictObject({
            version: z.literal(2),
            ...tablesMessageShape,
            // A push dataset has at most 75 tables.
            tables: z
                .array(withRowsOrBlob(z.strictObject(tableRowsShape)))
                .min(2)
                .max(75),
        }),
    ),
    withTablesOnce(
        z.strictObject({
            version: z.literal(4),
            ...tablesMessageShape,
            tables: z
                .array(
                    withRowsOrBlob(z.strictObject({ ...tableRowsShape, exactColumns: exactColumnsSchema.optional() })),
                )
                .min(2)
                .max(75),
        }),
    ),
]);

export type TablesMessage = z.infer<typeof tablesMessageSchema>;

/**
 * Every message the rows queue carries, by `version`: 1 and 3, one table's rows (what the push delivers); 2 and 4,
 * several tables' rows (fanned out into single-table messages). Versions 3 and 4 are 1 and 2 with exact numbers;
 * the relay writes them only for rows that hold one, so other messages read as before. A new version is one more
 * member here.
 */
export const rowsQueueMessageSchema = z.discriminatedUnion('version', [
    ...rowsMessageSchema.options,
    ...tablesMessageSchema.options,
]);

export type RowsQueueMessage = z.infer<typeof rowsQueueMessageSchema>;

export const isTablesMessage = (message: RowsQueueMessage): message is TablesMessage => 'tables' in message;

/**
 * host.json sets extensions.queues.messageEncoding to base64 (the host's default), so every producer
 * must base64-encode what it sends; a test decodes it as the host would.
 */
export function toQueueText(message: unknown): string {
    return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

export function fromQueueText(text: string): unknown {
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
}

/** A rows message without its rows: what a claim-check message carries besides `blob`. */
export type RowsEnvelope = RowsMessage extends infer M ? (M extends unknown ? Omit<M, 'rows' | 'blob'> : never) : never;

/**
 * The queue text of `envelope` with its rows inline, built from the rows' JSON (serialised once by the caller,
 * who reuses it for the claim-check blob), or undefined when it would exceed a queue message.
 */
export function toInlineQueueText(envelope: RowsEnvelope, rowsJson: string): string | undefined {
    return withinQueueMessage([JSON.stringify(envelope).slice(0, -1), ',"rows":', rowsJson, '}']);
}

/** A several-table message without its tables: what comes before `tables`. */
export type TablesEnvelope = Omit<TablesMessage, 'tables'>;

/**
 * One table of a several-table message, with its rows as JSON (inline) or the name of its claim-check blob, and
 * its exact-number columns (version 4 only).
 */
export type TableRowsText = { table: string; rowCount: number; exactColumns?: string[] } & (
    { rowsJson: string } | { blob: string }
);

/**
 * The queue text of a several-table message, the rows of inline tables spliced in from their JSON, or undefined
 * when it would exceed a queue message. Each single-table child then fits too: what a child adds (".<i>", part,
 * attempt, requeued: about 40 characters) is less than what it leaves out (`tables` and at least one other table).
 */
export function toTablesQueueText(envelope: TablesEnvelope, tables: readonly TableRowsText[]): string | undefined {
    const pieces = [JSON.stringify(envelope).slice(0, -1), ',"tables":['];
    tables.forEach((entry, index) => {
        const { table, rowCount, exactColumns } = entry;
        const head = JSON.stringify({ table, rowCount, ...(exactColumns && { exactColumns }) }).slice(0, -1);
        const tail = 'rowsJson' in entry ? `,"rows":${entry.rowsJson}}` : `,"blob":${JSON.stringify(entry.blob)}}`;
        pieces.push(index === 0 ? '' : ',', head, tail);
    });
    pieces.push(']}');
    return withinQueueMessage(pieces);
}

/**
 * The base64 queue text of the JSON made of `pieces`, or undefined when it exceeds a queue message less the room
 * its resends and poisoning take (resendRoomBytes).
 */
function withinQueueMessage(pieces: readonly string[]): string | undefined {
    const limit = maxQueueMessageBytes - resendRoomBytes;
    // UTF-8 needs at least one byte per UTF-16 unit, so most oversized messages are recognised before anything is encoded.
    const chars = pieces.reduce((sum, piece) => sum + piece.length, 0);
    if (base64Length(chars) > limit) return undefined;
    const text = Buffer.from(pieces.join(''), 'utf8').toString('base64');
    return text.length <= limit ? text : undefined;
}

/** Base64 makes 4 characters of every 3 bytes. */
const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

/** Storage queues hide a message for at most 7 days. */
const maxVisibilitySeconds = 7 * 24 * 60 * 60;

/** A delay as a queue visibility timeout: whole seconds the service accepts (0 to 7 days). */
export function toVisibilityTimeout(delaySeconds: number): number {
    return Math.min(maxVisibilitySeconds, Math.max(0, delaySeconds));
}
