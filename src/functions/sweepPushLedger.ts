import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getRelay } from '../runtime/relay';
import { hasEventhouseSink } from '../config/relayConfig';

/** One run deletes for at most this long, so a large backlog of old entries is worked off over several runs. */
const sweepBudgetMs = 60_000;

export async function sweepPushLedgerHandler(timer: Timer, context: InvocationContext): Promise<void> {
    const { deliver, eventhouse, settings } = getRelay();
    const pushedBefore = new Date(Date.now() - settings.PUSH_LEDGER_RETENTION_DAYS * 24 * 60 * 60 * 1000);
    // Both ledgers share the run's budget: the Eventhouse sink's gets what the push ledger's sweep left.
    const stopAtMs = Date.now() + sweepBudgetMs;
    const deleted = await deliver.ledger.sweep(pushedBefore, stopAtMs);
    // The Eventhouse sink's ledger of ingested parts, kept as long (only a config with an eventhouse writes it).
    const deletedEventhouse = hasEventhouseSink(eventhouse.config)
        ? await eventhouse.ledger.sweep(pushedBefore, stopAtMs)
        : 0;
    context.info('pbi-relay push ledger swept', {
        deleted,
        deletedEventhouse,
        pushedBefore: pushedBefore.toISOString(),
        isPastDue: timer.isPastDue,
    });
}

app.timer('sweepPushLedger', {
    // Hourly, at a minute no other timer of the app uses.
    schedule: '0 17 * * * *',
    handler: sweepPushLedgerHandler,
});
