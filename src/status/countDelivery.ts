import type { DeliveryReport } from '../push/deliverRows';
import type { RowsMessage } from '../queue/rowsMessage';
import type { StatusCounters } from './statusCounters';
import { toCountedError } from './toCountedError';

/**
 * Tallies what one push invocation did, from its report: rows pushed and poisoned (every message of a call is
 * for the triggering message's table), a 429 (an invocation stops at the first), the parts of calls whose answer
 * never came by verdict, and its last failure.
 */
export function countDelivery(counters: StatusCounters, message: RowsMessage, report: DeliveryReport, at: Date): void {
    const failure = report.lastFailure;
    const { stored, notStored, unconfirmed } = report.unknownOutcomes;
    const lastError = toCountedError(report.poisoned.at(-1), failure, at);
    counters.count(
        message.dataset,
        message.table,
        {
            pushed: report.rowsPushed,
            poisoned: report.poisonedRows,
            throttled: failure?.kind === 'throttled' && report.rescheduled.throttled ? 1 : 0,
            storedParts: stored?.parts ?? 0,
            storedRows: stored?.rows ?? 0,
            notStoredParts: notStored?.parts ?? 0,
            notStoredRows: notStored?.rows ?? 0,
            unconfirmedParts: unconfirmed?.parts ?? 0,
            unconfirmedRows: unconfirmed?.rows ?? 0,
        },
        { ...(lastError ? { lastError } : {}), ...(report.datasetId ? { datasetId: report.datasetId } : {}) },
    );
}
