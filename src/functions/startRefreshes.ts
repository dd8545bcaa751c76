import { app, type InvocationContext, type Timer } from '@azure/functions';
import { logStartOutcome } from '../refresh/logRefreshOutcome';
import { startScheduledRefreshes } from '../refresh/startScheduledRefreshes';
import { getRelay } from '../runtime/relay';

export async function startRefreshesHandler(timer: Timer, context: InvocationContext): Promise<void> {
    const run = await startScheduledRefreshes(getRelay().refresh);
    for (const outcome of run.outcomes) logStartOutcome(context, outcome);
    for (const error of run.housekeepingErrors) context.warn('pbi-relay refresh housekeeping failed', { error });
    if (run.revived.length > 0) context.warn('pbi-relay refresh checks revived', { ids: run.revived.join(', ') });
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
