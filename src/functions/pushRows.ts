import { app, type InvocationContext } from '@azure/functions';
import { deliverCoalesced } from '../push/deliverCoalesced';
import { rowsMessageSchema } from '../queue/rowsMessage';
import { getRelay } from '../runtime/relay';

export async function pushRowsHandler(queueItem: unknown, context: InvocationContext): Promise<void> {
    const { deliver } = getRelay();
    const parsed = rowsMessageSchema.safeParse(queueItem);
    if (!parsed.success) {
        const message = `Not a pbi-relay rows message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
        await deliver.queue.sendPoison({ raw: queueItem }, { message, at: new Date().toISOString() });
        context.error('pbi-relay rows poisoned', { message });
        return;
    }
    const message = parsed.data;
    const fields = {
        ingestionId: message.ingestionId,
        dataset: message.dataset,
        table: message.table,
        rows: message.rowCount,
    };
    const outcome = await deliverCoalesced(message, deliver);
    switch (outcome.kind) {
        case 'delivered':
            context.info('pbi-relay rows delivered', {
                ...fields,
                rowsPushed: outcome.rows,
                coalesced: outcome.coalesced ?? 0,
                parts: outcome.parts,
                skippedParts: outcome.skippedParts,
                requestIds: outcome.requestIds,
            });
            return;
        case 'rescheduled': {
            const { reason, part, attempt, delaySeconds, failure } = outcome;
            const log = reason === 'throttled' ? context.warn : context.error;
            log.call(context, `pbi-relay rows rescheduled (${reason})`, {
                ...fields,
                part,
                attempt,
                delaySeconds,
                status: failure.status,
                code: failure.code,
                error: failure.message,
                requestId: failure.requestId,
            });
            return;
        }
        case 'poisoned':
            context.error('pbi-relay rows poisoned', { ...fields, ...outcome.reason });
            return;
    }
}

app.storageQueue('pushRows', {
    queueName: '%ROWS_QUEUE%',
    connection: 'AzureWebJobsStorage',
    handler: pushRowsHandler,
});
