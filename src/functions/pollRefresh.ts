import { app, type InvocationContext } from '@azure/functions';
import { deliverAlert } from '../refresh/deliverAlert';
import { logAlertDelivery, logPollOutcome, logRestartOutcome } from '../refresh/logRefreshOutcome';
import { pollRefresh } from '../refresh/pollRefresh';
import { refreshQueueMessageSchema } from '../refresh/refreshQueueMessage';
import { restartDroppedRefresh } from '../refresh/restartDroppedRefresh';
import { getRelay } from '../runtime/relay';
import { describeZodError } from '../config/describeZodError';

export async function pollRefreshHandler(queueItem: unknown, context: InvocationContext): Promise<void> {
    const parsed = refreshQueueMessageSchema.safeParse(queueItem);
    if (!parsed.success) {
        // Retrying cannot make it readable; the host's poison queue is the wrong place for a message that never was ours.
        context.error('pbi-relay refresh check unreadable', {
            error: describeZodError(parsed.error, { root: '(message)' }),
        });
        return;
    }
    const message = parsed.data;
    const deps = getRelay().refresh;
    switch (message.kind) {
        case 'alert':
            return logAlertDelivery(context, await deliverAlert(message, deps));
        case 'restart':
            return logRestartOutcome(context, await restartDroppedRefresh(message, deps));
        case 'poll':
            return logPollOutcome(context, await pollRefresh(message, deps));
    }
}

// Status checks of running refreshes, alert deliveries and restarts of dropped refreshes, each delayed by its visibility timeout.
app.storageQueue('pollRefresh', {
    queueName: '%REFRESH_QUEUE%',
    connection: 'AzureWebJobsStorage',
    handler: pollRefreshHandler,
});
