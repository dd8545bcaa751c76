import { app, type InvocationContext } from '@azure/functions';
import { logPollOutcome } from '../refresh/logRefreshOutcome';
import { pollMessageSchema } from '../refresh/pollMessage';
import { pollRefresh } from '../refresh/pollRefresh';
import { getRelay } from '../runtime/relay';

export async function pollRefreshHandler(queueItem: unknown, context: InvocationContext): Promise<void> {
    const parsed = pollMessageSchema.safeParse(queueItem);
    if (!parsed.success) {
        // Retrying cannot make it readable; the host's poison queue is the wrong place for a message that never was ours.
        context.error('pbi-relay refresh check unreadable', {
            error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        });
        return;
    }
    logPollOutcome(context, await pollRefresh(parsed.data, getRelay().refresh));
}

app.storageQueue('pollRefresh', {
    queueName: '%REFRESH_QUEUE%',
    connection: 'AzureWebJobsStorage',
    handler: pollRefreshHandler,
});
