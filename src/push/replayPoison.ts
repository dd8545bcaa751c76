import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { fromQueueText, isTablesMessage, rowsQueueMessageSchema, toQueueText } from '../queue/rowsMessage';
import { splitPoisonBody } from '../queue/splitPoisonBody';

export interface ReplayOptions {
    /** List what would be replayed, change nothing. */
    dryRun: boolean;
    /** Only this ingestion. */
    ingestionId?: string;
    /** Told of each entry as it is settled, for progress output. */
    onEntry?: (entry: ReplayedEntry) => void;
}

export interface ReplayedEntry {
    ingestionId?: string;
    dataset?: string;
    /** The rows of each table the message carries (one, or several for a several-table message). */
    tables?: { table: string; rows: number }[];
    rows?: number;
    failure?: unknown;
    /**
     * The relay counted these rows as poisoned on the status page (its own poison message), so their replay counts
     * them as replayed; a host copy's or an unreadable message's rows were never taken out of the backlog.
     */
    countedPoisoned?: boolean;
    outcome: 'replayed' | 'would replay' | 'skipped';
    reason?: string;
}

/**
 * Messages looked at stay hidden this long while the run goes on, so it sees each once and stops when none is
 * visible; what a dry run, a filter or a skip leaves behind is made visible again as the run ends.
 */
const visibilitySeconds = 60;

/**
 * Sends rows from `<queue>-poison` back to the rows queue once the cause is fixed (workspace role, table
 * schema, ...): the relay's own poison messages (with their `failure`), the messages a trigger could not read and
 * kept whole (`raw`, splitPoisonBody), and copies the Functions host made after maxDequeueCount alike. The attempt
 * counter starts again; the ledger still keeps parts already pushed from being pushed twice. Messages that are not
 * rows messages are left where they are.
 */
export async function replayPoison(
    queueService: QueueServiceClient,
    queueName: string,
    options: ReplayOptions,
): Promise<ReplayedEntry[]> {
    const poison = queueService.getQueueClient(`${queueName}-poison`);
    const queue = queueService.getQueueClient(queueName);
    if (!(await poison.exists())) return [];
    await queue.createIfNotExists();
    const entries: ReplayedEntry[] = [];
    const settled = (entry: ReplayedEntry) => {
        entries.push(entry);
        options.onEntry?.(entry);
    };
    // What this run looked at and left in the poison queue, made visible again when it ends, so a dry run or a
    // filtered run does not hide those messages from the next run for a minute.
    const left: { messageId: string; popReceipt: string }[] = [];
    try {
        await replayVisible(poison, queue, options, settled, left);
    } finally {
        await Promise.allSettled(
            left.map(({ messageId, popReceipt }) => poison.updateMessage(messageId, popReceipt, undefined, 0)),
        );
    }
    return entries;
}

async function replayVisible(
    poison: QueueClient,
    queue: QueueClient,
    options: ReplayOptions,
    settled: (entry: ReplayedEntry) => void,
    left: { messageId: string; popReceipt: string }[],
): Promise<void> {
    for (;;) {
        const { receivedMessageItems } = await poison.receiveMessages({
            numberOfMessages: 32,
            visibilityTimeout: visibilitySeconds,
        });
        if (receivedMessageItems.length === 0) return;
        for (const item of receivedMessageItems) {
            const leave = () => left.push({ messageId: item.messageId, popReceipt: item.popReceipt });
            let body: unknown;
            try {
                body = fromQueueText(item.messageText);
            } catch {
                settled({ outcome: 'skipped', reason: 'not base64 JSON' });
                leave();
                continue;
            }
            const { failure, message: poisoned, countedPoisoned } = splitPoisonBody(body);
            const parsed = rowsQueueMessageSchema.safeParse(poisoned);
            if (!parsed.success) {
                settled({ outcome: 'skipped', failure, reason: 'not a rows message' });
                leave();
                continue;
            }
            const message = parsed.data;
            if (options.ingestionId !== undefined && message.ingestionId !== options.ingestionId) {
                leave();
                continue;
            }
            const tables = isTablesMessage(message)
                ? message.tables.map((entry) => ({ table: entry.table, rows: entry.rowCount }))
                : [{ table: message.table, rows: message.rowCount }];
            const entry = {
                ingestionId: message.ingestionId,
                dataset: message.dataset,
                tables,
                rows: tables.reduce((sum, table) => sum + table.rows, 0),
                failure,
                countedPoisoned,
            };
            if (options.dryRun) {
                settled({ ...entry, outcome: 'would replay' });
                leave();
                continue;
            }
            // A several-table message (the host poisons it when its fan-out kept failing) goes back as it was: its
            // children are marked requeued whenever it is fanned out.
            const replayed = isTablesMessage(message) ? message : { ...message, attempt: 0, requeued: true };
            await queue.sendMessage(toQueueText(replayed), { messageTimeToLive: -1 });
            await poison.deleteMessage(item.messageId, item.popReceipt);
            settled({ ...entry, outcome: 'replayed' });
        }
    }
}
