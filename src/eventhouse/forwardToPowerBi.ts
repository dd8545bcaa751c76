import type { RelayConfig } from '../config/relayConfig';
import type { RowsBlobs } from '../queue/rowsBlobs';
import { isTablesMessage, type RowsQueueMessage } from '../queue/rowsMessage';
import type { RowsQueue } from '../queue/rowsQueue';
import { isStorageStatus } from '../storage/isStorageStatus';

/**
 * Dual-write: an ingestion for a dataset with both sinks is committed once, to the Eventhouse queue, and its first
 * delivery there hands a copy to the rows queue (the Power BI push path, unchanged) before any row is ingested.
 * Claim-check blobs are copied (`<blob name>.powerBi.json`), since each sink deletes its blob when done. A copy of
 * one table's rows is marked requeued, so the push asks its ledger first: forwarding again after a crash (the
 * message delivered again) never pushes rows twice. A several-table copy is fanned out by the push, whose children
 * are marked so.
 */
export async function forwardToPowerBi(
    message: RowsQueueMessage,
    deps: { config: RelayConfig; rowsQueue: RowsQueue; blobs: RowsBlobs },
): Promise<boolean> {
    const dataset = deps.config.datasets.find((candidate) => candidate.name === message.dataset);
    // Sent again by the Eventhouse sink itself (a retry, a fanned-out table, a poisoned message replayed): forwarded
    // before that. A message marked requeued alone (committed under a request key or event ids) is forwarded: its
    // copy is marked requeued too, so the push's ledger keeps a second copy from pushing anything twice.
    if (!dataset?.sinks.includes('powerBi') || ('forwarded' in message && message.forwarded)) return false;
    if (isTablesMessage(message)) {
        const tables = await Promise.all(
            message.tables.map(async (entry) =>
                entry.blob === undefined ? entry : { ...entry, blob: await copyBlob(entry.blob, deps.blobs) },
            ),
        );
        await deps.rowsQueue.send({ ...message, tables } as RowsQueueMessage);
        return true;
    }
    const blob = message.blob === undefined ? {} : { blob: await copyBlob(message.blob, deps.blobs) };
    // From its first part and attempt: the Eventhouse sink's parts (4 MB of MultiJSON) are not the push's, and a
    // message it sent again before the forwarded mark existed may carry its own; the push's ledger skips what it pushed.
    await deps.rowsQueue.send({ ...message, ...blob, part: 0, attempt: 0, requeued: true });
    return true;
}

/** The Power BI copy of a claim-check blob; a copy already made (a forward repeated) is kept. */
async function copyBlob(name: string, blobs: RowsBlobs): Promise<string> {
    const copy = `${name.replace(/\.json$/, '')}.powerBi.json`;
    const rows = await blobs.get(name);
    // A blob gone is reported by each sink's own delivery (the rows cannot be read), so the copy is left out too.
    if (rows === undefined) return copy;
    try {
        await blobs.put(copy, JSON.stringify(rows));
    } catch (error) {
        if (!isStorageStatus(error, 409)) throw error;
    }
    return copy;
}
