import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getRelay } from '../runtime/relay';

/** Hourly, so each run deletes one hour's worth of event ids past IDEMPOTENCY_RETENTION_HOURS. */
export async function purgeEventIdsHandler(timer: Timer, context: InvocationContext): Promise<void> {
    const deleted = await getRelay().sources.idempotency.purgeExpired(new Date());
    context.info('pbi-relay expired event ids purged', { deleted, isPastDue: timer.isPastDue });
}

app.timer('purgeEventIds', {
    schedule: '0 40 * * * *',
    handler: purgeEventIdsHandler,
});
