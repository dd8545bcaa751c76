import type { EventhouseReport } from '../eventhouse/deliverToEventhouse';
import type { RowsMessage } from '../queue/rowsMessage';
import type { CountedError, StatusCounters } from './statusCounters';

/** Why the delivery poisoned its message, or the failure it last met; none when it succeeded. */
function lastErrorOf(report: EventhouseReport, at: Date): CountedError | undefined {
    const source = report.poisoned ?? report.lastFailure;
    if (!source) return undefined;
    const status = 'status' in source ? source.status : undefined;
    const code = 'code' in source ? source.code : undefined;
    return {
        at: report.poisoned?.at ?? at.toISOString(),
        message: source.message,
        ...(status !== undefined ? { status } : {}),
        ...(code !== undefined ? { code } : {}),
    };
}

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
    const eventhouseLastError = lastErrorOf(report, at);
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
