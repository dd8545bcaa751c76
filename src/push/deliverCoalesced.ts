import { rowsMessageSchema, type RowsMessage } from '../queue/rowsMessage';
import type { ReceivedMessage } from '../queue/rowsQueue';
import { deliverRows, postToPowerBi, settleFailure, type DeliverDeps, type DeliveryOutcome } from './deliverRows';
import { retryDelaySeconds } from './retryDelay';

/** Companions stay hidden this long while their rows are posted; longer than any Add Rows call may take. */
const companionVisibilitySeconds = 300;

interface Companion {
    message: RowsMessage;
    received: ReceivedMessage;
}

const isCoalescable = (message: RowsMessage, deps: DeliverDeps) =>
    message.rows !== undefined && message.part === 0 && message.attempt === 0 && message.rowCount < deps.maxRowsPerPost;

/**
 * Delivers a queued ingestion, taking other small ingestions of the same table along in the same Add Rows
 * call. Power BI allows 120 Add Rows calls a minute per dataset, so a webhook that sends one row per call
 * would otherwise be held to two rows a second; merged, it can use the whole 10,000-rows-per-call budget.
 * Each ingestion still has its own ledger entry, so none is pushed twice, and when the merged call fails
 * every companion goes back to the queue to be retried (or isolated) on its own.
 */
export async function deliverCoalesced(first: RowsMessage, deps: DeliverDeps): Promise<DeliveryOutcome> {
    if (deps.coalesceMessages === 0 || !isCoalescable(first, deps)) return deliverRows(first, deps);
    const companions = await gatherCompanions(first, deps);
    if (companions.length === 0) return deliverRows(first, deps);

    const members = [first, ...companions.map((companion) => companion.message)];
    const alreadyPushed = await Promise.all(
        members.map(async (member) => (await deps.ledger.pushedParts(member.ingestionId)).has(0)),
    );
    const toPush = members.filter((_, index) => !alreadyPushed[index]);
    const rows = toPush.flatMap((member) => member.rows ?? []);
    if (rows.length > 0) {
        const posted = await postToPowerBi(first, rows, deps);
        if (!posted.ok) {
            const { failure } = posted;
            // Throttled or transient: the companions wait as long as the first message; a permanent failure
            // (one bad row spoils the call) sends each back at once to be pushed, or poisoned, on its own.
            const delaySeconds =
                failure.kind === 'throttled'
                    ? failure.retryAfterSeconds
                    : failure.kind === 'permanent'
                      ? 0
                      : retryDelaySeconds(1, deps.retry, failure.kind === 'transient' ? failure.retryAfterSeconds : 0);
            await Promise.all(companions.map((companion) => companion.received.release(delaySeconds)));
            return failure.kind === 'permanent' ? deliverRows(first, deps) : settleFailure(first, 0, failure, deps);
        }
        await Promise.all(
            toPush.map((member) =>
                deps.ledger.recordPart(member.ingestionId, 0, { rows: member.rowCount, requestId: posted.requestId }),
            ),
        );
        await Promise.all(companions.map((companion) => companion.received.complete()));
        return {
            kind: 'delivered',
            rows: rows.length,
            parts: 1,
            skippedParts: 0,
            requestIds: posted.requestId ? [posted.requestId] : [],
            coalesced: companions.length,
        };
    }
    await Promise.all(companions.map((companion) => companion.received.complete()));
    return {
        kind: 'delivered',
        rows: 0,
        parts: 0,
        skippedParts: members.length,
        requestIds: [],
        coalesced: companions.length,
    };
}

/** Takes visible messages for the same table that fit in the same call; the others are released at once. */
async function gatherCompanions(first: RowsMessage, deps: DeliverDeps): Promise<Companion[]> {
    let room = deps.maxRowsPerPost - first.rowCount;
    const companions: Companion[] = [];
    const received = await deps.queue.receive(deps.coalesceMessages, companionVisibilitySeconds);
    for (const candidate of received) {
        const parsed = rowsMessageSchema.safeParse(candidate.body);
        const message = parsed.success ? parsed.data : undefined;
        if (
            message &&
            message.dataset === first.dataset &&
            message.table === first.table &&
            message.ingestionId !== first.ingestionId &&
            isCoalescable(message, deps) &&
            message.rowCount <= room
        ) {
            companions.push({ message, received: candidate });
            room -= message.rowCount;
        } else {
            await candidate.release(0);
        }
    }
    return companions;
}
