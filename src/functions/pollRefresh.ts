import { app, type InvocationContext } from '@azure/functions';
import { deliverAlert } from '../refresh/deliverAlert';
import { logAlertDelivery, logPollOutcome } from '../refresh/logRefreshOutcome';
import { pollRefresh } from '../refresh/pollRefresh';
import { refreshQueueMessageSchema } from '../refresh/refreshQueueMessage';
import { getRelay } from '../runtime/relay';

export async function pollRefreshHandler(queueItem: unknown, context: InvocationContext): Promise<void> {
    const parsed = refreshQueueMessageSchema.safeParse(queueItem);
    if (!parsed.success) {
        // Retrying cannot make it readable; the host's poison queue is the wrong place for a message that never was ours.
        context.error('pbi-relay refresh check unreadable', {
            error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        });
        return;
    }
    const message = parsed.data;
    if (message.kind === 'alert') logAlertDelivery(context, await deliverAlert(message, getRelay().refresh));
    else logPollOutcome(context, await pollRefresh(message, getRelay().refresh));
}

// Status checks of running refreshes and alert deliveries, both delayed by their visibility timeout.
app.storageQueue('pollRefresh', {
    queueName: '%REFRESH_QUEUE%',
    connection: 'AzureWebJobsStorage',
    handler: pollRefreshHandler,
});
