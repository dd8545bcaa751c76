import { powerBiErrors } from '../errors/powerBiErrors';
import type { Limits } from '../limits/Limits';
import type { StoredDataset, StoredTable } from '../state/StoredEntities';

/**
 * Stores rows in a push table. basicFIFO tables drop their oldest rows once they pass
 * fifoMaxRows + fifoTrimSlack, keeping fifoMaxRows (the docs: "200,000-210,000 rows are kept").
 * Tables without a retention policy stop at maxRowsPerTableNone (what the service answers then is
 * unconfirmed; the emulator rejects the whole request).
 */
export function appendRows(
    dataset: StoredDataset,
    table: StoredTable,
    rows: Record<string, unknown>[],
    limits: Limits,
): void {
    if (dataset.defaultRetentionPolicy === 'None' && table.rows.length + rows.length > limits.maxRowsPerTableNone) {
        throw powerBiErrors.tableRowCapReached(table.name, limits.maxRowsPerTableNone);
    }
    for (const row of rows) table.rows.push(row);
    if (
        dataset.defaultRetentionPolicy === 'basicFIFO' &&
        table.rows.length > limits.fifoMaxRows + limits.fifoTrimSlack
    ) {
        table.rows.splice(0, table.rows.length - limits.fifoMaxRows);
    }
}
