import { app, type InvocationContext } from '@azure/functions';
import { deliverRows } from '../push/deliverRows';
import { fanOutTables } from '../push/fanOutTables';
import { readRowsQueueItem, toDequeueCount } from '../queue/readRowsQueueItem';
import { isTablesMessage } from '../queue/rowsMessage';
import { getRelay } from '../runtime/relay';
import { countDelivery } from '../status/countDelivery';

export async function pushRowsHandler(queueItem: unknown, context: InvocationContext): Promise<void> {
    const { deliver, counters } = getRelay();
    const parsed = await readRowsQueueItem(queueItem, deliver.queue, context, 'pbi-relay rows');
    if (!parsed) return;
    if (isTablesMessage(parsed)) {
        const children = await fanOutTables(parsed, deliver.queue);
        context.info('pbi-relay rows fanned out to their tables', {
            ingestionId: parsed.ingestionId,
            dataset: parsed.dataset,
            tables: children.map((child) => ({
                table: child.table,
                ingestionId: child.ingestionId,
                rows: child.rowCount,
            })),
        });
        return;
    }
    const message = parsed;
    const report = await deliverRows(message, deliver, {
        dequeueCount: toDequeueCount(context.triggerMetadata),
        onUnknownOutcome: (outcome) =>
            outcome.verdict === 'unconfirmed'
                ? context.warn('pbi-relay call outcome unknown, settled by policy', outcome)
                : context.info('pbi-relay call outcome unknown, settled by counting', outcome),
    });
    countDelivery(counters, message, report, deliver.now());
    const fields = {
        ingestionId: message.ingestionId,
        dataset: message.dataset,
        table: message.table,
        rows: message.rowCount,
        calls: report.calls,
        rowsPushed: report.rowsPushed,
        packed: report.packed,
        skippedParts: report.skippedParts,
        verifiedParts: report.verifiedParts,
        unconfirmedParts: report.unconfirmedParts,
        requestIds: report.requestIds,
        rescheduled: report.rescheduled,
        delaySeconds: report.delaySeconds,
        status: report.lastFailure?.status,
        code: report.lastFailure?.code,
        error: report.lastFailure?.message,
        failureRequestId: report.lastFailure?.requestId,
        budgetError: report.budgetError,
    };
    if (report.poisoned.length > 0) {
        context.error('pbi-relay rows poisoned', { ...fields, poisoned: report.poisoned });
    } else if (report.rescheduled.transient || report.rescheduled.unauthorized) {
        context.error('pbi-relay rows rescheduled (failure)', fields);
    } else if (report.rescheduled.throttled) {
        context.warn('pbi-relay rows rescheduled (throttled)', fields);
    } else {
        const outcome = report.handedOver
            ? "pbi-relay rows went with another invocation's call"
            : report.rescheduled.paced
              ? 'pbi-relay rows waiting for a call slot'
              : report.rescheduled.inFlight
                ? 'pbi-relay rows waiting for the deadline of a call that may be in flight'
                : 'pbi-relay rows delivered';
        context.info(outcome, fields);
    }
}

app.storageQueue('pushRows', {
    queueName: '%ROWS_QUEUE%',
    connection: 'AzureWebJobsStorage',
    handler: pushRowsHandler,
});
