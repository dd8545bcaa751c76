import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getRelay } from '../runtime/relay';

/** One run deletes for at most this long (100 ids a transaction), so a backlog of old ids is worked off over several runs. */
const purgeBudgetMs = 60_000;

/** Hourly: event ids and request keys past IDEMPOTENCY_RETENTION_HOURS, and claims abandoned as long ago. */
export async function purgeEventIdsHandler(timer: Timer, context: InvocationContext): Promise<void> {
    const deleted = await getRelay().sources.idempotency.purgeExpired(new Date(), {
        stopAtMs: Date.now() + purgeBudgetMs,
    });
    context.info('pbi-relay expired event ids purged', { deleted, isPastDue: timer.isPastDue });
}

app.timer('purgeEventIds', {
    schedule: '0 40 * * * *',
    handler: purgeEventIdsHandler,
});
