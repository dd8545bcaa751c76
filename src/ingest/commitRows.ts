import { randomUUID } from 'node:crypto';
import type { DatasetConfig, TableConfig } from '../config/relayConfig';
import type { RowsBlobs } from '../queue/rowsBlobs';
import { fitsInQueueMessage, type RowsMessage } from '../queue/rowsMessage';
import type { RowsQueue } from '../queue/rowsQueue';
import { validateRows, type RowError } from './validateRows';

export interface CommitDeps {
    queue: RowsQueue;
    blobs: RowsBlobs;
    now?: () => Date;
    newId?: () => string;
}

export type CommitOutcome =
    | { kind: 'accepted'; ingestionId: string; rows: number; claimCheck: boolean; droppedColumns: string[] }
    | {
          kind: 'rejected';
          status: 400;
          code: 'InvalidRows';
          message: string;
          rowErrors: RowError[];
          invalidRows: number;
      }
    | { kind: 'unavailable'; message: string };

/**
 * Validates rows for one table completely, then commits them with a single queue message (rows inline, or in
 * a claim-check blob when too large), so they are enqueued whole or not at all. The webhook and the sources
 * both take this one path.
 */
export async function commitRows(
    dataset: DatasetConfig,
    table: TableConfig,
    rows: readonly unknown[],
    deps: CommitDeps,
): Promise<CommitOutcome> {
    const validation = validateRows(table, rows);
    if (!validation.ok) {
        return {
            kind: 'rejected',
            status: 400,
            code: 'InvalidRows',
            message: `${validation.invalidRows} of ${rows.length} rows are invalid; nothing was enqueued`,
            rowErrors: validation.errors,
            invalidRows: validation.invalidRows,
        };
    }

    const ingestionId = (deps.newId ?? randomUUID)();
    const envelope = {
        version: 1,
        ingestionId,
        dataset: dataset.name,
        table: table.name,
        rowCount: validation.rows.length,
        receivedAt: (deps.now?.() ?? new Date()).toISOString(),
        part: 0,
        attempt: 0,
    } as const;
    const inline: RowsMessage = { ...envelope, rows: validation.rows };
    const claimCheck = !fitsInQueueMessage(inline);
    try {
        if (claimCheck) {
            const blob = `${ingestionId}.json`;
            await deps.blobs.put(blob, validation.rows);
            await deps.queue.send({ ...envelope, blob });
        } else {
            await deps.queue.send(inline);
        }
    } catch (error) {
        // Nothing was committed: a blob without its message is never read (and expires with the container's lifecycle rule).
        return {
            kind: 'unavailable',
            message: `Storage is unavailable, nothing was enqueued: ${(error as Error).message}`,
        };
    }
    return {
        kind: 'accepted',
        ingestionId,
        rows: validation.rows.length,
        claimCheck,
        droppedColumns: validation.droppedColumns,
    };
}
