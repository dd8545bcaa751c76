import { app, type InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { deliverRows } from '../push/deliverRows';
import { fanOutTables } from '../push/fanOutTables';
import { isTablesMessage, rowsQueueMessageSchema } from '../queue/rowsMessage';
import { getRelay } from '../runtime/relay';
import { countDelivery } from '../status/countDelivery';
import { countPoisoned } from '../telemetry/relayMetrics';
import { describeZodError } from '../config/describeZodError';

/** The host's count of deliveries of this message; unknown is taken as "delivered before", so the ledger is asked. */
const toDequeueCount = (metadata: unknown) =>
    z.object({ dequeueCount: z.coerce.number().int().positive() }).safeParse(metadata).data?.dequeueCount ?? 2;

export async function pushRowsHandler(queueItem: unknown, context: InvocationContext): Promise<void> {
    const { deliver, counters } = getRelay();
    const parsed = rowsQueueMessageSchema.safeParse(queueItem);
    if (!parsed.success) {
        const message = `Not a pbi-relay rows message: ${describeZodError(parsed.error, { root: '(message)' })}`;
        await deliver.queue.sendPoison({ raw: queueItem }, { message, at: new Date().toISOString() });
        countPoisoned({}, 'NotARowsMessage');
        context.error('pbi-relay rows poisoned', { message });
        return;
    }
    if (isTablesMessage(parsed.data)) {
        const children = await fanOutTables(parsed.data, deliver.queue);
        context.info('pbi-relay rows fanned out to their tables', {
            ingestionId: parsed.data.ingestionId,
            dataset: parsed.data.dataset,
            tables: children.map((child) => ({
                table: child.table,
                ingestionId: child.ingestionId,
                rows: child.rowCount,
            })),
        });
        return;
    }
    const message = parsed.data;
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
              : 'pbi-relay rows delivered';
        context.info(outcome, fields);
    }
}

app.storageQueue('pushRows', {
    queueName: '%ROWS_QUEUE%',
    connection: 'AzureWebJobsStorage',
    handler: pushRowsHandler,
});
