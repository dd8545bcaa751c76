import type { RowsMessage, TablesMessage } from '../queue/rowsMessage';
import type { RowsQueue } from '../queue/rowsQueue';

/**
 * The single-table message of each table of a several-table ingestion, with the deterministic ingestion id
 * `<ingestionId>.<i>`, its rows inline or its own claim-check blob as the parent carries them: version 3 with the
 * table's `exactColumns` when it has some (only a version 4 parent's tables can), version 1 otherwise.
 */
export function toTableMessages(message: TablesMessage): RowsMessage[] {
    return message.tables.map((entry, index) => ({
        ...('exactColumns' in entry && entry.exactColumns
            ? { version: 3 as const, exactColumns: entry.exactColumns }
            : { version: 1 as const }),
        ingestionId: `${message.ingestionId}.${index}`,
        dataset: message.dataset,
        table: entry.table,
        rowCount: entry.rowCount,
        receivedAt: message.receivedAt,
        ...(entry.rows !== undefined ? { rows: entry.rows } : { blob: entry.blob! }),
        part: 0,
        attempt: 0,
        // A fan-out repeated after a crash (the parent received again) sends the same children again; being marked
        // requeued, every copy asks the ledger first, so a table's rows are pushed once whichever copy comes first.
        requeued: true,
    }));
}

/**
 * Turns a several-table ingestion into one message per table before any row is pushed, so each table is then
 * delivered (paced, packed, retried, poisoned) as any single-table ingestion is. The parent is deleted by the
 * host only when this returns, that is after every child is enqueued; a failure throws and the host delivers
 * the parent again. The Eventhouse sink marks its children `forwarded`: the parent's copy went to the push.
 */
export async function fanOutTables(
    message: TablesMessage,
    queue: RowsQueue,
    mark: { forwarded?: true } = {},
): Promise<RowsMessage[]> {
    const children = toTableMessages(message).map((child) => ({ ...child, ...mark }));
    await Promise.all(children.map((child) => queue.send(child)));
    return children;
}
