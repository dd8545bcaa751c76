import { fanOutTables } from '../push/fanOutTables';
import { isTablesMessage, type RowsMessage, type RowsQueueMessage } from '../queue/rowsMessage';
import { deliverToEventhouse, type EventhouseDeliverDeps, type EventhouseReport } from './deliverToEventhouse';
import { forwardToPowerBi } from './forwardToPowerBi';

export type EventhouseOutcome =
    | { kind: 'fannedOut'; forwarded: boolean; children: RowsMessage[] }
    | { kind: 'delivered'; forwarded: boolean; report: EventhouseReport };

/**
 * One message of the Eventhouse queue: first its copy for the push when the dataset dual-writes (forwardToPowerBi),
 * then a several-table ingestion is fanned out into one message per table on the Eventhouse queue (as the push does
 * on its own), and one table's rows are ingested (deliverToEventhouse).
 */
export async function deliverEventhouseMessage(
    message: RowsQueueMessage,
    deps: EventhouseDeliverDeps,
    received: { dequeueCount: number },
): Promise<EventhouseOutcome> {
    const forwarded = await forwardToPowerBi(message, deps);
    if (isTablesMessage(message)) {
        const children = await fanOutTables(message, deps.queue, { forwarded: true });
        return { kind: 'fannedOut', forwarded, children };
    }
    return { kind: 'delivered', forwarded, report: await deliverToEventhouse(message, deps, received) };
}
