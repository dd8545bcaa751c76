import type { PushRow } from '../queue/row';
import { readMessageRows, type RowsBlobs } from '../queue/rowsBlobs';
import { isTablesMessage, rowsQueueMessageSchema, type RowsMessage, type RowsQueueMessage } from '../queue/rowsMessage';
import type { PoisonReason, ReceivedMessage, RowsQueue } from '../queue/rowsQueue';
import type { Member } from './member';
import { mayHaveBeenPushed, type PendingCall, type PushLedger } from './pushLedger';

export interface GatherOptions {
    queue: RowsQueue;
    blobs: RowsBlobs;
    ledger: PushLedger;
    /**
     * Settles a companion left pending by a call whose outcome is unknown: in Power BI (`landed`), to be pushed
     * (`push`), or not known yet (`{ seconds }` until it can be, after which it comes back from the queue).
     */
    settlePending(message: RowsMessage, call: PendingCall): Promise<'landed' | 'push' | { seconds: number }>;
    maxMessages: number;
    maxRows: number;
    maxBytes: number;
    /**
     * How long companions stay hidden while their call is made: longer than the call may take (its Power BI
     * timeout and the ledger writes around it), and no longer, so a killed instance's companions come back soon.
     */
    visibilitySeconds: number;
}

export interface Gathered {
    members: Member[];
    /** Messages the ledger already held: removed without pushing. */
    skipped: number;
    /** Messages whose rows cannot be read (a claim-check blob gone): poison them. */
    unreadable: { member: Pick<Member, 'message' | 'poison'>; reason: { message: string } }[];
}

/** Storage queues hand out at most 32 messages a receive. */
const receiveBatch = 32;
/** Receives that bring nothing for this table before the queue is taken to hold nothing more for it. */
const maxBarrenReceives = 2;

/**
 * Takes queued ingestions of the same dataset and table, whole, while they fit in the call (rows, bytes,
 * message count). Messages for other tables (several-table messages too), or too large to fit, go back to the queue as new messages, so
 * their dequeue count does not grow; the ledger keeps a message sent back twice (a crash between the send
 * and the delete) from being pushed twice.
 */
export async function gatherCompanions(first: RowsMessage, options: GatherOptions): Promise<Gathered> {
    const gathered: Gathered = { members: [], skipped: 0, unreadable: [] };
    let rowsLeft = options.maxRows;
    let bytesLeft = options.maxBytes;
    let barren = 0;
    while (rowsLeft > 0 && gathered.members.length < options.maxMessages && barren < maxBarrenReceives) {
        const received = await options.queue.receive(
            Math.min(receiveBatch, options.maxMessages - gathered.members.length),
            options.visibilitySeconds,
        );
        if (received.length === 0) break;
        const matching: { message: RowsMessage; received: ReceivedMessage }[] = [];
        const returned: Promise<void>[] = [];
        for (const candidate of received) {
            const parsed = rowsQueueMessageSchema.safeParse(candidate.body);
            const message = parsed.success ? parsed.data : undefined;
            if (
                message !== undefined &&
                !isTablesMessage(message) &&
                message.dataset === first.dataset &&
                message.table === first.table &&
                message.ingestionId !== first.ingestionId &&
                // Two copies of one ingestion (a taken-over request key) never travel in one call.
                !matching.some((entry) => entry.message.ingestionId === message.ingestionId) &&
                !gathered.members.some((member) => member.message.ingestionId === message.ingestionId) &&
                message.part === 0 &&
                message.rowCount <= rowsLeft
            ) {
                matching.push({ message, received: candidate });
                rowsLeft -= message.rowCount;
            } else if (message) {
                returned.push(sendBack(candidate, message, options));
            } else {
                // Not a rows message: the host's own invocation poisons it with the reason.
                returned.push(candidate.release(0));
            }
        }
        await Promise.all(returned);
        const membersBefore = gathered.members.length;
        const loaded = await Promise.all(matching.map((entry) => load(entry.message, entry.received, options)));
        for (const [index, entry] of matching.entries()) {
            const result = loaded[index]!;
            if (result.kind === 'later') {
                rowsLeft += entry.message.rowCount;
                // Back after the wait its settling asked for: sent back at once, the next receive would take it again.
                await sendBack(entry.received, entry.message, options, result.seconds);
                continue;
            }
            if (result.kind === 'pushed') {
                await entry.received.complete();
                if (entry.message.blob) await options.blobs.delete(entry.message.blob);
                gathered.skipped += 1;
                continue;
            }
            const member = toMember(entry.message, entry.received, result.kind === 'rows' ? result.rows : [], options);
            if (result.kind === 'rows' && result.replacesIntent !== undefined)
                member.replacesIntent = result.replacesIntent;
            if (result.kind === 'missing') {
                gathered.unreadable.push({ member, reason: { message: result.reason } });
                continue;
            }
            if (member.bytes > bytesLeft) {
                rowsLeft += entry.message.rowCount;
                await sendBack(entry.received, entry.message, options);
                bytesLeft = 0;
                continue;
            }
            bytesLeft -= member.bytes;
            gathered.members.push(member);
        }
        // A receive that added no member is barren, also when its messages matched but must wait (pending calls).
        barren = gathered.members.length === membersBefore ? barren + 1 : 0;
        if (received.length < receiveBatch || bytesLeft <= 0) break;
    }
    return gathered;
}

type Loaded =
    | { kind: 'rows'; rows: PushRow[]; replacesIntent?: string }
    | { kind: 'pushed' }
    | { kind: 'later'; seconds: number }
    | { kind: 'missing'; reason: string };

async function load(message: RowsMessage, received: ReceivedMessage, options: GatherOptions): Promise<Loaded> {
    if (mayHaveBeenPushed(message, received.dequeueCount)) {
        const parts = await options.ledger.partsOf(message.ingestionId);
        if (parts.pushed.has(0)) return { kind: 'pushed' };
        const pendingCall = parts.pending.get(0);
        const settled = pendingCall ? await options.settlePending(message, pendingCall) : 'push';
        if (settled === 'landed') return { kind: 'pushed' };
        if (typeof settled === 'object') return { kind: 'later', seconds: settled.seconds };
        if (pendingCall) {
            const read = await readMessageRows(message, options.blobs);
            return read.kind === 'rows' ? { ...read, replacesIntent: pendingCall.etag ?? '*' } : read;
        }
    }
    return readMessageRows(message, options.blobs);
}

async function sendBack(
    received: ReceivedMessage,
    message: RowsQueueMessage,
    options: GatherOptions,
    delaySeconds?: number,
): Promise<void> {
    // A several-table message's children are always marked requeued (fanOutTables): it needs no mark itself.
    await options.queue.send(isTablesMessage(message) ? message : { ...message, requeued: true }, delaySeconds);
    await received.complete();
}

function toMember(message: RowsMessage, received: ReceivedMessage, rows: PushRow[], options: GatherOptions): Member {
    const remove = async () => {
        await received.complete();
        if (message.blob) await options.blobs.delete(message.blob);
    };
    return {
        message,
        part: 0,
        rows,
        bytes: Buffer.byteLength(JSON.stringify(rows)),
        last: true,
        complete: remove,
        resend: async (changed, delaySeconds) => {
            await options.queue.send({ ...changed, requeued: true }, delaySeconds);
            await received.complete();
        },
        poison: async (reason: PoisonReason) => {
            await options.queue.sendPoison(message, reason);
            await received.complete();
        },
    };
}
