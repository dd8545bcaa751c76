import { z } from 'zod';

/** Azure Storage queues take at most 64 KiB per message, measured on the encoded text. */
export const maxQueueMessageBytes = 64 * 1024;

const rowValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * One accepted ingestion: its rows travel inline when they fit in a queue message, otherwise in a blob
 * (claim check) so that a single message still commits the whole ingestion at once. `part` is the first
 * Add Rows part (of PUSH_MAX_ROWS_PER_POST rows) not yet pushed, `attempt` counts transient failures.
 */
export const rowsMessageSchema = z
    .strictObject({
        version: z.literal(1),
        ingestionId: z.string().min(1).max(100),
        dataset: z.string().min(1),
        table: z.string().min(1),
        rowCount: z.number().int().positive(),
        receivedAt: z.iso.datetime(),
        rows: z.array(z.record(z.string(), rowValueSchema)).optional(),
        blob: z.string().min(1).optional(),
        part: z.number().int().nonnegative().default(0),
        attempt: z.number().int().nonnegative().default(0),
        /**
         * Sent again by the relay (rescheduled, handed back after packing, replayed): the ledger may hold some of
         * its parts. A message that is neither this nor received before (dequeue count 1) cannot have been pushed.
         */
        requeued: z.literal(true).optional(),
    })
    .refine((message) => (message.rows === undefined) !== (message.blob === undefined), {
        message: 'exactly one of rows or blob must be present',
    })
    .refine((message) => message.rows === undefined || message.rows.length === message.rowCount, {
        message: 'rowCount must equal the number of inline rows',
        path: ['rowCount'],
    });

export type RowsMessage = z.infer<typeof rowsMessageSchema>;

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
export type RowsEnvelope = Omit<RowsMessage, 'rows' | 'blob'>;

/**
 * The queue text of `envelope` with its rows inline, built from the rows' JSON (serialised once by the caller,
 * who reuses it for the claim-check blob), or undefined when it would exceed a queue message.
 */
export function toInlineQueueText(envelope: RowsEnvelope, rowsJson: string): string | undefined {
    // Base64 makes 4 characters of every 3 bytes, and UTF-8 needs at least one byte per UTF-16 unit, so most
    // oversized messages are recognised before anything is encoded.
    const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;
    const envelopeJson = JSON.stringify(envelope);
    if (base64Length(envelopeJson.length + rowsJson.length + 8) > maxQueueMessageBytes) return undefined;
    const text = Buffer.from(`${envelopeJson.slice(0, -1)},"rows":${rowsJson}}`, 'utf8').toString('base64');
    return text.length <= maxQueueMessageBytes ? text : undefined;
}

/** Storage queues hide a message for at most 7 days. */
const maxVisibilitySeconds = 7 * 24 * 60 * 60;

/** A delay as a queue visibility timeout: whole seconds the service accepts (0 to 7 days). */
export function toVisibilityTimeout(delaySeconds: number): number {
    return Math.min(maxVisibilitySeconds, Math.max(0, delaySeconds));
}
