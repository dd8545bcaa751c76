import { app, type InvocationContext, type Timer } from '@azure/functions';
import { logRecordedRefresh, logStartOutcome } from '../refresh/logRefreshOutcome';
import { startScheduledRefreshes } from '../refresh/startScheduledRefreshes';
import { getRelay } from '../runtime/relay';

export async function startRefreshesHandler(timer: Timer, context: InvocationContext): Promise<void> {
    const run = await startScheduledRefreshes(getRelay().refresh);
    for (const outcome of run.outcomes) {
        if (outcome.kind === 'blocked') logRecordedRefresh(context, outcome.record);
        else logStartOutcome(context, outcome);
        if (outcome.skipped > 0)
            context.warn('pbi-relay refresh slots missed', {
                dataset: outcome.target,
                slot: outcome.slot,
                skipped: outcome.skipped,
            });
    }
    for (const escalation of run.escalations) {
        const fields = { dataset: escalation.target, alertId: escalation.alertId, error: escalation.error };
        if (escalation.about === 'stale') context.error('pbi-relay refresh overdue', fields);
        else context.warn('pbi-relay refresh running longer than usual', fields);
    }
    for (const error of run.housekeepingErrors) context.warn('pbi-relay refresh housekeeping failed', { error });
    const { checks, resumed, closed } = run.revived;
    if (checks.length > 0) context.warn('pbi-relay refresh checks revived', { ids: checks.join(', ') });
    if (resumed.length > 0) context.warn('pbi-relay interrupted refresh starts resumed', { ids: resumed.join(', ') });
    for (const record of closed) logRecordedRefresh(context, record);
    if (run.outcomes.length > 0 || run.purged > 0 || timer.isPastDue)
        context.info('pbi-relay refresh timer ran', {
            started: run.outcomes.length,
            claimedElsewhere: run.claimedElsewhere.length,
            purged: run.purged,
            isPastDue: timer.isPastDue,
        });
}

// Ticks every minute; each target's own schedule (or REFRESH_SCHEDULE) decides whether it is due.
app.timer('startRefreshes', {
    schedule: '0 * * * * *',
    handler: startRefreshesHandler,
});
