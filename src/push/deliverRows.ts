import { randomUUID } from 'node:crypto';
import type { RelayConfig, TableConfig } from '../config/relayConfig';
import type { PushRow } from '../queue/row';
import type { PowerBiClient } from '../powerbi/powerBiClient';
import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import { readMessageRows, type RowsBlobs } from '../queue/rowsBlobs';
import type { RowsMessage } from '../queue/rowsMessage';
import type { PoisonReason, RowsQueue } from '../queue/rowsQueue';
import type { DatasetResolver } from './datasetResolver';
import { gatherCompanions } from './gatherCompanions';
import type { Member } from './member';
import { mayHaveBeenPushed, type PendingCall, type PushLedger, type RecordedIntents } from './pushLedger';
import { settleUnknownCall, toUnknownOutcomeVerdict, type UnknownCallVerdict } from './settleUnknownCall';
import type { CallGrant, PushGovernor } from './pushGovernor';
import type { Leader, SlotLine } from './slotLine';
import { retryDelaySeconds } from './retryDelay';
import {
    countAddRowsCall,
    countPoisoned,
    countUnknownOutcome,
    type UnknownOutcomeVerdict,
} from '../telemetry/relayMetrics';
import { toPushAction, type PushAction } from './toPushAction';
import { withoutRepeatedParts } from './withoutRepeatedParts';

export interface DeliverDeps {
    client: PowerBiClient;
    resolver: DatasetResolver;
    queue: RowsQueue;
    blobs: RowsBlobs;
    ledger: PushLedger;
    governor: PushGovernor;
    config: RelayConfig;
    maxRowsPerPost: number;
    maxBytesPerPost: number;
    maxAttempts: number;
    retry: { baseSeconds: number; maxSeconds: number };
    /** How many queued messages one Add Rows call may carry besides the one that triggered it (0 turns packing off). */
    packMessages: number;
    /** How long an invocation waits for its dataset's next call slot before it hands its rows back to the queue. */
    maxSlotWaitMs: number;
    /** How long the invocation that leads this instance's waiting messages into the next call may wait for it. */
    maxLeadWaitMs: number;
    /**
     * How long one Add Rows call may last with the ledger writes around it (Power BI's client timeout and a
     * margin): packed companions stay hidden this long, and a part another call holds is delivered again after it.
     */
    callDeadlineSeconds: number;
    slotLine: SlotLine;
    now: () => Date;
}

/** What one invocation did, for its log line. */
export interface DeliveryReport {
    calls: number;
    rowsPushed: number;
    /** Messages that travelled with the triggering one. */
    packed: number;
    /** The triggering message went with another invocation's call (which settled it). */
    handedOver?: true;
    /** Parts the ledger already held (a redelivered message). */
    skippedParts: number;
    /** Parts of a call whose outcome was unknown, settled by counting their marker in Power BI. */
    verifiedParts: number;
    /** Parts of such a call settled by the table's ambiguousOutcome (no marker column, or Power BI refused the count). */
    unconfirmedParts: number;
    /** The parts of such calls and the rows they carry, by verdict, for the status counters. */
    unknownOutcomes: Partial<Record<UnknownOutcomeVerdict, { parts: number; rows: number }>>;
    requestIds: string[];
    /**
     * Messages sent back to the queue to wait, by reason: for a slot, Retry-After, back-off, or the deadline of a call
     * that may still be in flight (`inFlight`: another instance's, or one that died).
     */
    rescheduled: Partial<Record<'paced' | 'throttled' | 'transient' | 'unauthorized' | 'inFlight', number>>;
    delaySeconds?: number;
    poisoned: PoisonReason[];
    /** Rows the poisoned messages hold (from their first part not pushed), for the status counters. */
    poisonedRows: number;
    /** The Power BI dataset the rows went to, once resolved: the status page finds its push budget by it. */
    datasetId?: string;
    lastFailure?: PowerBiFailure;
    /**
     * Ending a call in the shared budget failed (Storage): its pending lease runs out by itself, but the rows it
     * carried are missing from the table's row count.
     */
    budgetError?: string;
}

/** A report of nothing done yet, which the invocation fills in. */
export const newDeliveryReport = (): DeliveryReport => ({
    calls: 0,
    rowsPushed: 0,
    packed: 0,
    skippedParts: 0,
    verifiedParts: 0,
    unconfirmedParts: 0,
    unknownOutcomes: {},
    requestIds: [],
    rescheduled: {},
    poisoned: [],
    poisonedRows: 0,
});

/** A part of a call whose answer never came, as settled: told when it is decided, before its rows are pushed again. */
export interface UnknownOutcome {
    ingestionId: string;
    dataset: string;
    table: string;
    part: number;
    rows: number;
    callId: string;
    /** stored / notStored: counted by the marker column; unconfirmed: the table's ambiguousOutcome decided. */
    verdict: UnknownOutcomeVerdict;
    /** Whether the part is pushed again (notStored, or unconfirmed under atLeastOnce). */
    pushedAgain: boolean;
}

/** The delivery the host made: its dequeue count, and whom to tell of every call settled after an unknown outcome. */
export interface Received {
    dequeueCount: number;
    onUnknownOutcome?: (outcome: UnknownOutcome) => void;
}

/**
 * What gathering may take besides the call (a ledger look-up, and a verdict, for each companion delivered again; blob
 * reads): a companion is hidden from its receive until its call is settled.
 */
const gatherSeconds = 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Pushes the queued ingestion that triggered this invocation, and as many other queued ingestions of the
 * same table as fit, in Add Rows calls the dataset's shared budget allows. A single message is a batch of
 * one; every message in a call has its own ledger entry, so none is pushed twice, and its own attempt count,
 * so a failure is settled per message. Failures of Storage itself are thrown: the host retries the message.
 */
export async function deliverRows(
    message: RowsMessage,
    deps: DeliverDeps,
    received: Received,
): Promise<DeliveryReport> {
    const report = newDeliveryReport();
    // One count per call: the companions a killed call carried (hundreds) come back together and share its verdict.
    const verdicts: Verdicts = new Map();
    const partCount = Math.ceil(message.rowCount / deps.maxRowsPerPost);
    const datasetConfig = deps.config.datasets.find((d) => d.name === message.dataset);
    const tableConfig = datasetConfig?.tables.find((t) => t.name === message.table);
    const ledgerParts = mayHaveBeenPushed(message, received.dequeueCount)
        ? await deps.ledger.partsOf(message.ingestionId)
        : { pushed: new Set<number>(), pending: new Map<number, PendingCall>() };
    const pushed = ledgerParts.pushed;
    const unsettled = [...ledgerParts.pending].filter(([part]) => part >= message.part);
    if (unsettled.length > 0 && tableConfig) {
        const resolved = await deps.resolver.resolve(message.dataset, message.table);
        if (resolved.ok) {
            for (const [part, pendingCall] of unsettled.sort(([a], [b]) => a - b)) {
                const partRows = Math.min(deps.maxRowsPerPost, message.rowCount - part * deps.maxRowsPerPost);
                const settled = await settlePart(
                    message,
                    part,
                    partRows,
                    pendingCall,
                    tableConfig,
                    resolved,
                    deps,
                    report,
                    received,
                    verdicts,
                );
                if (settled === 'landed') pushed.add(part);
                if (typeof settled === 'object') {
                    // Count again later rather than guess: the message waits, from this part on.
                    const piece: Member = { ...triggerMember(message, deps), part, rows: [], bytes: 0, last: true };
                    await reschedule(piece, settled.seconds, settled.reason, report);
                    return report;
                }
            }
        }
    }
    const pending = Array.from({ length: partCount }, (_, part) => part).filter(
        (part) => part >= message.part && !pushed.has(part),
    );
    report.skippedParts = partCount - message.part - pending.length;
    if (pending.length === 0) {
        if (message.blob) await deps.blobs.delete(message.blob);
        return report;
    }
    const trigger = triggerMember(message, deps);
    const read = await readMessageRows(message, deps.blobs);
    if (read.kind === 'missing') {
        await poison(trigger, { message: read.reason }, report, deps);
        return report;
    }
    const { rows } = read;

    const target = await deps.resolver.resolve(message.dataset, message.table);
    if (!target.ok) {
        const piece: Member = { ...trigger, part: pending[0]!, rows: [], bytes: 0, last: true };
        await settle([piece], target.failure, toPushAction(target.failure, 'resolve'), report, deps);
        return report;
    }
    report.datasetId = target.datasetId;
    const request = {
        table: message.table,
        fifo: datasetConfig?.defaultRetentionPolicy === 'basicFIFO',
        startingRows: tableConfig?.existingRows ?? 0,
    };
    const call: CallContext = {
        deps,
        report,
        ingestionId: message.ingestionId,
        markerColumn: tableConfig?.markerColumn,
        post: (batchRows) => deps.client.postRows(target.workspaceId, target.datasetId, message.table, batchRows),
        acquire: (minRows, maxWaitMs = deps.maxSlotWaitMs) =>
            acquireSlot(deps, target.datasetId, { ...request, minRows, maxRows: deps.maxRowsPerPost }, maxWaitMs),
    };

    for (const [index, part] of pending.entries()) {
        const partRows = rows.slice(part * deps.maxRowsPerPost, (part + 1) * deps.maxRowsPerPost);
        const piece: Member = {
            ...trigger,
            part,
            rows: partRows,
            bytes: byteLength(partRows),
            last: index === pending.length - 1,
            ...(ledgerParts.pending.has(part) ? { replacesIntent: ledgerParts.pending.get(part)!.etag ?? '*' } : {}),
        };
        const packs = piece.last && deps.packMessages > 0;
        let slot = await call.acquire(partRows.length);
        let leader: Leader | undefined;
        if (slot.kind === 'wait' && packs) {
            const joined = deps.slotLine.join(target.datasetId, message.table, piece);
            if (joined) {
                if ((await joined) === 'settled') report.handedOver = true;
                else await reschedule(piece, 1, 'paced', report);
                return report;
            }
            if (slot.seconds * 1000 <= deps.maxLeadWaitMs) {
                leader = deps.slotLine.lead(target.datasetId, message.table);
                slot = await call.acquire(partRows.length, deps.maxLeadWaitMs);
            }
        }
        try {
            if (slot.kind === 'wait') {
                await reschedule(piece, slot.seconds, 'paced', report);
                return report;
            }
            const members = [piece];
            if (packs && partRows.length < slot.grant.maxRows) {
                members.push(
                    ...(leader?.take(slot.grant.maxRows - partRows.length, deps.maxBytesPerPost - piece.bytes) ?? []),
                );
                const rowsTaken = members.reduce((sum, member) => sum + member.rows.length, 0);
                const bytesTaken = members.reduce((sum, member) => sum + member.bytes, 0);
                const grant = slot.grant;
                const companions = await gatherCompanions(message, {
                    queue: deps.queue,
                    blobs: deps.blobs,
                    ledger: deps.ledger,
                    maxMessages: deps.packMessages,
                    maxRows: grant.maxRows - rowsTaken,
                    maxBytes: deps.maxBytesPerPost - bytesTaken,
                    visibilitySeconds: deps.callDeadlineSeconds + gatherSeconds,
                    settlePending: async (companion, pendingCall) => {
                        // Without its table in the config it cannot be counted: back at once, as before.
                        if (!tableConfig) return { seconds: 0 };
                        return settlePart(
                            companion,
                            0,
                            companion.rowCount,
                            pendingCall,
                            tableConfig,
                            target,
                            deps,
                            report,
                            received,
                            verdicts,
                        );
                    },
                }).catch(async (error: unknown) => {
                    // Storage failed while packing: give the slot's rows back before the host retries the message.
                    await release(grant, { pushedRows: 0 }, report);
                    throw error;
                });
                members.push(...companions.members);
                report.skippedParts += companions.skipped;
                for (const bad of companions.unreadable) await poison(bad.member, bad.reason, report, deps);
            }
            const { carried, copies } = withoutRepeatedParts(members);
            // A copy goes back to the queue as a new message, for later, when the ledger knows what its call did.
            await inChunks(copies, (copy) =>
                copy.resend({ ...copy.message, part: copy.part }, deps.callDeadlineSeconds),
            );
            report.skippedParts += copies.length;
            const delivered = await postMembers(carried, slot.grant, call);
            leader?.settled();
            if (!delivered.some((member) => member === piece)) return report;
        } finally {
            leader?.end();
        }
    }
    if (message.blob) await deps.blobs.delete(message.blob);
    return report;
}

/** The verdicts of the calls an invocation settled, by call id. */
type Verdicts = Map<string, Promise<UnknownCallVerdict>>;

interface CallContext {
    deps: DeliverDeps;
    report: DeliveryReport;
    /** The triggering message's: every other member travelled with it. */
    ingestionId: string;
    /** The table's column that carries each call's id, when it has one. */
    markerColumn: string | undefined;
    post(rows: readonly PushRow[]): ReturnType<PowerBiClient['postRows']>;
    acquire(minRows: number, maxWaitMs?: number): Promise<Slot>;
}

type Slot = { kind: 'granted'; grant: CallGrant } | { kind: 'wait'; seconds: number };

/** Waits in-process for a short gap between calls; a longer one hands the rows back to the queue until then. */
async function acquireSlot(
    deps: DeliverDeps,
    datasetKey: string,
    request: Parameters<PushGovernor['acquire']>[1],
    maxWaitMs: number,
): Promise<Slot> {
    const deadline = deps.now().getTime() + maxWaitMs;
    for (;;) {
        const acquired = await deps.governor.acquire(datasetKey, request);
        if (acquired.kind === 'granted') return acquired;
        const nowMs = deps.now().getTime();
        if (nowMs + acquired.ms > deadline) return { kind: 'wait', seconds: Math.ceil(acquired.ms / 1000) };
        await sleep(acquired.ms);
    }
}

/**
 * Posts the members' rows in one call and settles each member; returns those whose rows are in Power BI.
 * Rows Power BI refused are split in halves, each half posted on its own slot, until the message that holds
 * the bad row is alone and poisoned; its companions go through.
 */
async function postMembers(proposed: Member[], grant: CallGrant, call: CallContext): Promise<Member[]> {
    const { deps, report } = call;
    const callId = randomUUID();
    const toEntry = (member: Member) => ({
        ingestionId: member.message.ingestionId,
        part: member.part,
        rows: member.rows.length,
        ...(member.replacesIntent === undefined ? {} : { replaces: member.replacesIntent }),
    });
    // The intent goes first: if this process dies after Power BI stored the rows, the next delivery finds the
    // call pending and settles it (settleUnknownCall) instead of pushing the rows again blindly. It is a claim: a
    // part another call holds (a copy of its message delivered again while the first still ran) stays out.
    let intents: RecordedIntents;
    try {
        const proposedRows = proposed.reduce((sum, member) => sum + member.rows.length, 0);
        intents = await deps.ledger.recordIntent(proposed.map(toEntry), { callId, callRows: proposedRows });
    } catch (error) {
        await release(grant, { pushedRows: 0 }, report);
        throw error;
    }
    const isTaken = (member: Member) =>
        intents.taken.some((entry) => entry.ingestionId === member.message.ingestionId && entry.part === member.part);
    const held = proposed.filter(isTaken);
    // Delivered again once the other call is settled, when the ledger knows what it did.
    await inChunks(held, (member) => member.resend({ ...member.message, part: member.part }, deps.callDeadlineSeconds));
    report.skippedParts += held.length;
    const members = proposed.filter((member) => !isTaken(member));
    // Their entries are this call's now: a split half records its own intent after this one is cleared.
    for (const member of members) delete member.replacesIntent;
    if (members.length === 0) {
        await release(grant, { pushedRows: 0 }, report);
        return [];
    }
    const rows = members.flatMap((member) => member.rows);
    const entries = members.map(({ message, part, rows: memberRows }) => ({
        ingestionId: message.ingestionId,
        part,
        rows: memberRows.length,
    }));
    const marker = call.markerColumn;
    const result = await call.post(marker === undefined ? rows : rows.map((row) => ({ ...row, [marker]: callId })));
    report.calls += 1;
    countAddRowsCall(members[0]!.message, rows.length, result.ok ? 'succeeded' : result.failure.kind);
    if (result.ok) {
        await release(grant, { pushedRows: rows.length }, report);
        report.rowsPushed += rows.length;
        if (result.requestId) report.requestIds.push(result.requestId);
        await deps.ledger.recordParts(entries.map((entry) => ({ ...entry, requestId: result.requestId })));
        await inChunks(members, (member) => member.complete());
        report.packed += members.filter((member) => member.message.ingestionId !== call.ingestionId).length;
        return members;
    }
    const { failure } = result;
    // An answer that says nothing was stored ends the intent; after a timeout, a reset or a 5xx the outcome is
    // unknown, and the intent stays for the retry to settle.
    if (failure.kind !== 'transient') await deps.ledger.clearIntent(intents.recorded, callId);
    // The call is over (the client gave up on it): the retry may count it at once. Unmarked, it waits out the deadline.
    else await deps.ledger.endIntent(entries, callId).catch(() => undefined);
    await grant
        .release({
            pushedRows: 0,
            retryAfterSeconds: failure.kind === 'throttled' ? failure.retryAfterSeconds : undefined,
        })
        .catch(() => undefined);
    const action = toPushAction(failure, 'post');
    if (action.kind === 'retry' && action.forgetTarget) deps.resolver.forget(members[0]!.message.dataset);
    if (action.kind !== 'split' || members.length === 1) {
        await settle(members, failure, action, report, deps);
        return [];
    }
    report.lastFailure = failure;
    const half = Math.ceil(members.length / 2);
    const delivered: Member[] = [];
    for (const group of [members.slice(0, half), members.slice(half)]) {
        const groupRows = group.reduce((sum, member) => sum + member.rows.length, 0);
        const slot = await call.acquire(groupRows);
        if (slot.kind === 'wait') {
            await inChunks(group, (member) => reschedule(member, slot.seconds, 'paced', report));
            continue;
        }
        delivered.push(...(await postMembers(group, slot.grant, call)));
    }
    return delivered;
}

/**
 * Settles one part of a call whose outcome the relay never learnt: `landed` (its rows are in Power BI, now
 * recorded as pushed, so nobody asks again), `push` (they are not, or the policy says to send them), or when to
 * count again: after the call's deadline (`inFlight`: it may still run, which is no failure) or after a count that
 * failed or was throttled (`transient`).
 */
async function settlePart(
    { ingestionId, dataset }: Pick<RowsMessage, 'ingestionId' | 'dataset'>,
    part: number,
    rows: number,
    pendingCall: PendingCall,
    table: TableConfig,
    target: { workspaceId: string; datasetId: string },
    deps: DeliverDeps,
    report: DeliveryReport,
    received: Received,
    verdicts: Verdicts,
): Promise<'landed' | 'push' | { seconds: number; reason: 'inFlight' | 'transient' }> {
    // A call that may still be in flight (its instance lost this message's lease but runs on) is counted only after
    // its deadline: counted earlier, it could show none of rows it is about to store.
    const recordedMs = pendingCall.recordedAt === undefined ? Number.NaN : Date.parse(pendingCall.recordedAt);
    const inFlightMs = recordedMs + deps.callDeadlineSeconds * 1000 - deps.now().getTime();
    if (!pendingCall.ended && inFlightMs > 0) return { seconds: Math.ceil(inFlightMs / 1000), reason: 'inFlight' };
    let counting = verdicts.get(pendingCall.callId);
    if (!counting) {
        counting = settleUnknownCall(pendingCall, table, target, deps.client);
        verdicts.set(pendingCall.callId, counting);
    }
    const verdict = await counting;
    if (verdict.failure)
        report.lastFailure = { kind: 'transient', message: `Call ${pendingCall.callId}: ${verdict.failure}` };
    if (verdict.kind === 'later') return { seconds: verdict.seconds, reason: 'transient' };
    if (verdict.confirmed) report.verifiedParts += 1;
    else report.unconfirmedParts += 1;
    const counted = toUnknownOutcomeVerdict(verdict);
    const tally = (report.unknownOutcomes[counted] ??= { parts: 0, rows: 0 });
    tally.parts += 1;
    tally.rows += rows;
    countUnknownOutcome({ dataset, table: table.name }, counted);
    // Told before the rows go again, so a crash after the push cannot hide a copy the verdict may make.
    received.onUnknownOutcome?.({
        ingestionId,
        dataset,
        table: table.name,
        part,
        rows,
        callId: pendingCall.callId,
        verdict: counted,
        pushedAgain: !verdict.landed,
    });
    if (!verdict.landed) return 'push';
    await deps.ledger.recordParts([{ ingestionId, part, rows }]);
    return 'landed';
}

/** The rows are in Power BI (or refused) whatever the budget's Storage says: its failure is reported, not thrown. */
async function release(
    grant: CallGrant,
    outcome: Parameters<CallGrant['release']>[0],
    report: DeliveryReport,
): Promise<void> {
    try {
        await grant.release(outcome);
    } catch (error) {
        report.budgetError = (error as Error).message;
    }
}

/** Applies a failure's action to every member: each keeps (or spends) its own attempts; a lone refused one is poisoned. */
async function settle(
    members: Member[],
    failure: PowerBiFailure,
    action: PushAction,
    report: DeliveryReport,
    deps: DeliverDeps,
): Promise<void> {
    report.lastFailure = failure;
    switch (action.kind) {
        case 'wait':
            await inChunks(members, (member) => reschedule(member, action.seconds, 'throttled', report));
            return;
        case 'split':
        case 'poison':
            await inChunks(members, (member) => poison(member, failure, report, deps));
            return;
        case 'retry': {
            const reason = failure.kind === 'unauthorized' ? 'unauthorized' : 'transient';
            await inChunks(members, async (member) => {
                const attempt = member.message.attempt + 1;
                if (attempt >= deps.maxAttempts) {
                    await poison(
                        member,
                        { ...failure, message: `Gave up after ${attempt} attempts: ${failure.message}` },
                        report,
                        deps,
                    );
                    return;
                }
                const delay = retryDelaySeconds(attempt, deps.retry, action.serviceAskedSeconds);
                await reschedule({ ...member, message: { ...member.message, attempt } }, delay, reason, report);
            });
            return;
        }
    }
}

async function reschedule(
    member: Member,
    delaySeconds: number,
    reason: keyof DeliveryReport['rescheduled'],
    report: DeliveryReport,
): Promise<void> {
    await member.resend({ ...member.message, part: member.part }, delaySeconds);
    report.rescheduled[reason] = (report.rescheduled[reason] ?? 0) + 1;
    report.delaySeconds = Math.max(report.delaySeconds ?? 0, delaySeconds);
}

async function poison(
    member: Pick<Member, 'message' | 'poison'> & Partial<Pick<Member, 'part'>>,
    { status, code, message: text, requestId }: Pick<PowerBiFailure, 'message'> & Partial<PowerBiFailure>,
    report: DeliveryReport,
    deps: DeliverDeps,
): Promise<void> {
    const reason: PoisonReason = { status, code, message: text, requestId, at: deps.now().toISOString() };
    await member.poison(reason);
    countPoisoned(member.message, code);
    report.poisoned.push(reason);
    report.poisonedRows += member.message.rowCount - (member.part ?? member.message.part) * deps.maxRowsPerPost;
}

/** The message the host handed to this invocation: the host deletes it when the invocation returns. */
function triggerMember(message: RowsMessage, deps: DeliverDeps): Omit<Member, 'part' | 'rows' | 'bytes' | 'last'> {
    return {
        message,
        complete: async () => undefined,
        resend: (changed, delaySeconds) => deps.queue.send({ ...changed, requeued: true }, delaySeconds),
        poison: (reason) => deps.queue.sendPoison(message, reason),
    };
}

const byteLength = (rows: readonly PushRow[]) => Buffer.byteLength(JSON.stringify(rows));

/** Storage calls for many members at once, a bounded number at a time. */
async function inChunks<T>(items: readonly T[], run: (item: T) => Promise<unknown>, size = 64): Promise<void> {
    for (let start = 0; start < items.length; start += size) {
        await Promise.all(items.slice(start, start + size).map(run));
    }
}
