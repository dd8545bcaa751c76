import { app, type InvocationContext } from '@azure/functions';
import { deliverEventhouseMessage } from '../eventhouse/deliverEventhouseMessage';
import { readRowsQueueItem, toDequeueCount } from '../queue/readRowsQueueItem';
import type { RowsMessage } from '../queue/rowsMessage';
import { getRelay } from '../runtime/relay';
import { countEventhouseDelivery } from '../status/countEventhouseDelivery';
import { countPoisoned } from '../telemetry/relayMetrics';

export async function deliverEventhouseHandler(queueItem: unknown, context: InvocationContext): Promise<void> {
    const { eventhouse, counters } = getRelay();
    const parsed = await readRowsQueueItem(queueItem, eventhouse.queue, context, 'pbi-relay eventhouse rows');
    if (!parsed) return;
    const outcome = await deliverEventhouseMessage(parsed, eventhouse, {
        dequeueCount: toDequeueCount(context.triggerMetadata),
    });
    if (outcome.kind === 'fannedOut') {
        context.info('pbi-relay eventhouse rows fanned out to their tables', {
            ingestionId: parsed.ingestionId,
            dataset: parsed.dataset,
            forwardedToPowerBi: outcome.forwarded,
            tables: outcome.children.map((child) => ({
                table: child.table,
                ingestionId: child.ingestionId,
                rows: child.rowCount,
            })),
        });
        return;
    }
    const { report, forwarded } = outcome;
    const message = parsed as RowsMessage;
    countEventhouseDelivery(counters, message, report, eventhouse.now());
    const failure = report.lastFailure;
    const fields = {
        ingestionId: message.ingestionId,
        dataset: message.dataset,
        table: message.table,
        rows: message.rowCount,
        forwardedToPowerBi: forwarded,
        calls: report.calls,
        rowsIngested: report.rowsIngested,
        skippedParts: report.skippedParts,
        unknownOutcomes: report.unknownOutcomes,
        rescheduled: report.rescheduled,
        failure: failure?.kind,
        status: failure && 'status' in failure ? failure.status : undefined,
        code: failure && 'code' in failure ? failure.code : undefined,
        error: failure?.message,
    };
    if (report.poisoned) {
        countPoisoned(message, report.poisoned.code);
        context.error('pbi-relay eventhouse rows poisoned', { ...fields, poisoned: report.poisoned });
    } else if (report.rescheduled?.reason === 'retry') {
        context.error('pbi-relay eventhouse rows rescheduled (failure)', fields);
    } else if (report.rescheduled?.reason === 'throttled') {
        context.warn('pbi-relay eventhouse rows rescheduled (throttled)', fields);
    } else {
        context.info('pbi-relay eventhouse rows delivered', fields);
    }
}

app.storageQueue('deliverEventhouse', {
    queueName: '%EVENTHOUSE_QUEUE%',
    connection: 'AzureWebJobsStorage',
    handler: deliverEventhouseHandler,
});
