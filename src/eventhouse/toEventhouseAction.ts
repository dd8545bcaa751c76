import type { EventhouseFailure } from './eventhouseFailure';

/**
 * What the Eventhouse sink does with rows whose ingestion failed:
 * - wait: throttled; send again after Retry-After without spending an attempt;
 * - retry: transient, an outcome never learnt (the rows may be in the table: sending them again is safe, the dedup
 *   view keeps one row per EventId), access, or a table, mapping or database not (yet) there (setup may still be
 *   running; a schema change takes minutes to reach streaming ingestion); spend an attempt and back off;
 * - poison: the service refused the rows for good (a value that does not fit, a request too large).
 */
export type EventhouseAction = { kind: 'wait'; seconds: number } | { kind: 'retry' } | { kind: 'poison' };

/** The one function that turns an Eventhouse failure into what happens to the rows. */
export function toEventhouseAction(failure: EventhouseFailure): EventhouseAction {
    switch (failure.kind) {
        case 'throttled':
            return { kind: 'wait', seconds: failure.retryAfterSeconds };
        case 'transient':
        case 'outcomeUnknown':
        case 'unauthorized':
        case 'notFound':
            return { kind: 'retry' };
        case 'permanent':
            return { kind: 'poison' };
    }
}
