import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { z } from 'zod';
import { createRowsBlobs, readMessageRows } from '../../src/queue/rowsBlobs';
import { fromQueueText, isTablesMessage, rowsQueueMessageSchema } from '../../src/queue/rowsMessage';
import { splitPoisonBody } from '../../src/queue/splitPoisonBody';

/** The ids of poisoned rows per table, and poison messages whose rows could not be read. */
export interface PoisonedIds {
    byTable: Map<string, Set<string>>;
    unreadable: number;
    /** Rows per reason the relay attached (`<status> <code>: <message>`), as a soak reports them. */
    reasons: Map<string, number>;
}

export const emptyPoisonedIds = (): PoisonedIds => ({ byTable: new Map(), unreadable: 0, reasons: new Map() });

const failureSchema = z.looseObject({
    status: z.number().optional(),
    code: z.string().optional(),
    message: z.string(),
});

/**
 * Takes every message out of the relay's poison queue (`<rowsQueue>-poison`) and adds the ids (column `idColumn`)
 * of the rows they hold, inline or in their claim-check blob, to `taken`, so each phase of a soak counts only its own.
 */
export async function takePoisonedIds(
    storage: string,
    settings: { rowsQueue: string; rowsContainer: string; idColumn: string },
    taken: PoisonedIds,
): Promise<void> {
    const poison = new QueueClient(storage, `${settings.rowsQueue}-poison`);
    const blobs = createRowsBlobs(BlobServiceClient.fromConnectionString(storage), settings.rowsContainer);
    if (!(await poison.exists())) return;
    for (;;) {
        const received = (await poison.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 }))
            .receivedMessageItems;
        if (received.length === 0) return;
        for (const item of received) {
            const { message, failure } = splitPoisonBody(readJson(item.messageText));
            const parsed = rowsQueueMessageSchema.safeParse(message);
            const read =
                parsed.success && !isTablesMessage(parsed.data) ? await readMessageRows(parsed.data, blobs) : undefined;
            if (!parsed.success || isTablesMessage(parsed.data) || read?.kind !== 'rows') {
                taken.unreadable += 1;
            } else {
                const ids = taken.byTable.get(parsed.data.table) ?? new Set<string>();
                for (const row of read.rows) ids.add(String(row[settings.idColumn]));
                taken.byTable.set(parsed.data.table, ids);
                const reason = toReason(failure);
                taken.reasons.set(reason, (taken.reasons.get(reason) ?? 0) + read.rows.length);
            }
            await poison.deleteMessage(item.messageId, item.popReceipt);
        }
    }
}

function readJson(text: string): unknown {
    try {
        return fromQueueText(text);
    } catch {
        return undefined;
    }
}

function toReason(failure: unknown): string {
    const parsed = failureSchema.safeParse(failure);
    if (!parsed.success) return 'no reason attached';
    const { status, code, message } = parsed.data;
    return [status, code].filter((part) => part !== undefined).join(' ') + ((status ?? code) ? ': ' : '') + message;
}
