import { app, type InvocationContext, type Timer } from '@azure/functions';
import { logStartOutcome } from '../refresh/logRefreshOutcome';
import { startScheduledRefreshes } from '../refresh/startScheduledRefreshes';
import { getRelay } from '../runtime/relay';

export async function startRefreshesHandler(timer: Timer, context: InvocationContext): Promise<void> {
    const run = await startScheduledRefreshes(getRelay().refresh);
    for (const outcome of run.outcomes) logStartOutcome(context, outcome);
    if (run.purgeError) context.warn('pbi-relay refresh history not trimmed', { error: run.purgeError });
    context.info('pbi-relay refresh timer ran', {
        targets: run.outcomes.length,
        purged: run.purged,
        isPastDue: timer.isPastDue,
    });
}

app.timer('startRefreshes', {
    schedule: '%REFRESH_SCHEDULE%',
    handler: startRefreshesHandler,
});
