import type { EventhouseReport } from '../eventhouse/deliverToEventhouse';
import type { RowsMessage } from '../queue/rowsMessage';
import type { StatusCounters } from './statusCounters';
import { toCountedError } from './toCountedError';

/**
 * Tallies what one Eventhouse delivery did, from its report: rows ingested and poisoned, a 429 (an invocation stops
 * at the first) and its last error, in the Eventhouse sink's own counters of the message's table.
 */
export function countEventhouseDelivery(
    counters: StatusCounters,
    message: RowsMessage,
    report: EventhouseReport,
    at: Date,
): void {
    const eventhouseLastError = toCountedError(report.poisoned, report.lastFailure, at);
    counters.count(
        message.dataset,
        message.table,
        {
            eventhouseIngested: report.rowsIngested,
            eventhousePoisoned: report.poisonedRows,
            eventhouseThrottled: report.rescheduled?.reason === 'throttled' ? 1 : 0,
        },
        eventhouseLastError ? { eventhouseLastError } : undefined,
    );
}
