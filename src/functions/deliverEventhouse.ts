import { app, type InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { describeZodError } from '../config/describeZodError';
import { deliverEventhouseMessage } from '../eventhouse/deliverEventhouseMessage';
import { rowsQueueMessageSchema, type RowsMessage } from '../queue/rowsMessage';
import { getRelay } from '../runtime/relay';
import { countEventhouseDelivery } from '../status/countEventhouseDelivery';
import { countPoisoned } from '../telemetry/relayMetrics';

/** The host's count of deliveries of this message; unknown is taken as "delivered before", so the ledger is asked. */
const toDequeueCount = (metadata: unknown) =>
    z.object({ dequeueCount: z.coerce.number().int().positive() }).safeParse(metadata).data?.dequeueCount ?? 2;

export async function deliverEventhouseHandler(queueItem: unknown, context: InvocationContext): Promise<void> {
    const { eventhouse, counters } = getRelay();
    const parsed = rowsQueueMessageSchema.safeParse(queueItem);
    if (!parsed.success) {
        const message = `Not a pbi-relay rows message: ${describeZodError(parsed.error, { root: '(message)' })}`;
        await eventhouse.queue.sendPoison({ raw: queueItem }, { message, at: new Date().toISOString() });
        countPoisoned({}, 'NotARowsMessage');
        context.error('pbi-relay eventhouse rows poisoned', { message });
        return;
    }
    const outcome = await deliverEventhouseMessage(parsed.data, eventhouse, {
        dequeueCount: toDequeueCount(context.triggerMetadata),
    });
    if (outcome.kind === 'fannedOut') {
        context.info('pbi-relay eventhouse rows fanned out to their tables', {
            ingestionId: parsed.data.ingestionId,
            dataset: parsed.data.dataset,
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
    const message = parsed.data as RowsMessage;
    countEventhouseDelivery(counters, message, report, new Date());
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
