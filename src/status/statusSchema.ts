import { z } from 'zod';
import { sinkNames } from '../config/eventhouseSchema';
import { refreshStatuses, refreshTriggers } from '../refresh/refreshRecord';

const count = z.number().int().nonnegative();
const instant = z.iso.datetime();

/** A limit of Power BI's Add Rows API and how much of it the dataset uses now. */
const gaugeSchema = z.object({ used: z.number().nonnegative(), limit: z.number().positive() });

const errorSchema = z.object({
    at: instant,
    status: z.number().int().optional(),
    code: z.string().optional(),
    message: z.string(),
});

const partsSchema = z.object({ parts: count, rows: count });

/** Parts of Add Rows calls whose answer never came (a timeout, a reset, a 5xx, a crash), and the rows they carry. */
const unknownOutcomeCountsSchema = z.object({
    /** Power BI's count of the table's marker column found the call's rows: not pushed again. */
    stored: partsSchema,
    /** The count found none: pushed again. */
    notStored: partsSchema,
    /** Not counted (no marker column, or the count was refused): the table's ambiguousOutcome decided. */
    unconfirmed: partsSchema,
});

/** The Eventhouse sink of a table whose dataset writes to it: its own counters and its own queue's backlog. */
const eventhouseTableStatusSchema = z.object({
    /** The Kusto table the rows go to (the dedup view Power BI reads is `view`). */
    table: z.string(),
    view: z.string(),
    ingested: z.object({ lastMinute: count, lastHour: count }),
    poisoned: z.object({ lastMinute: count, lastHour: count }),
    /** Ingest requests answered 429 in the last hour. */
    throttledLastHour: count,
    /** Rows accepted (and replayed from its poison queue) minus rows ingested and poisoned, since counting began. */
    backlogRows: count,
    /** Age of the oldest visible message of this table in EVENTHOUSE_QUEUE, among the messages peeked. */
    oldestQueuedSeconds: z.number().nonnegative().optional(),
    queuedMessagesPeeked: count,
    /** The Eventhouse sink's last failure or poison reason (the push's is the table's `lastError`). */
    lastError: errorSchema.optional(),
});

/**
 * `lastMinute`: the last 60 s (this minute so far and the overlapping part of the minute before, prorated). The
 * push fields are the Power BI sink's (a dataset without it has no push backlog); `eventhouse` is there when the
 * dataset writes to the Eventhouse.
 */
export const tableStatusSchema = z.object({
    name: z.string(),
    accepted: z.object({ lastMinute: count, lastHour: count }),
    pushed: z.object({ lastMinute: count, lastHour: count }),
    poisoned: z.object({ lastMinute: count, lastHour: count }),
    /** Add Rows calls answered 429 in the last hour. */
    throttledLastHour: count,
    /** Rows accepted (and replayed from the poison queue) minus rows pushed and poisoned, since counting began. */
    backlogRows: count,
    /** Age of the oldest visible queued message of this table, among the messages peeked. */
    oldestQueuedSeconds: z.number().nonnegative().optional(),
    queuedMessagesPeeked: count,
    /** Rows the relay pushed to the table (plus `existingRows`), against the 250,000-row cliff. */
    tableRows: gaugeSchema.extend({ pastCliff: z.boolean(), fifo: z.boolean() }),
    /** Accepted and pushed rows per minute of the last hour, oldest first (60 entries). */
    perMinute: z.array(z.object({ minute: instant, accepted: count, pushed: count })),
    unknownOutcomes: z.object({
        /** What an unconfirmed part led to: pushed again (atLeastOnce, may be duplicated) or not (atMostOnce, may be lost). */
        ambiguousOutcome: z.enum(['atLeastOnce', 'atMostOnce']),
        /** The column whose count settles such a call; without one every such part is unconfirmed. */
        markerColumn: z.string().optional(),
        lastHour: unknownOutcomeCountsSchema,
        /** Since counting began. */
        total: unknownOutcomeCountsSchema,
    }),
    lastError: errorSchema.optional(),
    eventhouse: eventhouseTableStatusSchema.optional(),
});

export const datasetStatusSchema = z.object({
    name: z.string(),
    /** Where its rows go: `powerBi` (push dataset), `eventhouse`, or both (dual-write). */
    sinks: z.array(z.enum(sinkNames)),
    /** Power BI's id, once the relay pushed to it; the budget below is known only then. */
    datasetId: z.string().optional(),
    budget: z
        .object({
            callsLastMinute: gaugeSchema,
            rowsLastHour: gaugeSchema,
            pendingCalls: gaugeSchema,
            /** Past the cliff: calls of the last hour against the hourly limit. */
            callsLastHour: gaugeSchema,
            throttledUntil: instant.optional(),
        })
        .optional(),
    tables: z.array(tableStatusSchema),
});

export const poisonEntrySchema = z.object({
    ingestionId: z.string().optional(),
    dataset: z.string().optional(),
    table: z.string().optional(),
    rows: count.optional(),
    insertedOn: instant.optional(),
    reason: z.object({
        status: z.number().int().optional(),
        code: z.string().optional(),
        message: z.string(),
        requestId: z.string().optional(),
        at: z.string().optional(),
    }),
});

export const refreshBarSchema = z.object({
    id: z.string(),
    status: z.enum(refreshStatuses),
    trigger: z.enum(refreshTriggers),
    requestedAt: instant,
    startTime: instant.optional(),
    endTime: instant.optional(),
    durationSeconds: z.number().nonnegative().optional(),
});

export const refreshTargetStatusSchema = z.object({
    name: z.string(),
    schedule: z.string(),
    timeZone: z.string(),
    nextRun: instant.optional(),
    after: z.array(z.string()).optional(),
    /** The median duration of the last completed refreshes. */
    usualSeconds: z.number().nonnegative().optional(),
    /** The last refreshes, newest first. */
    refreshes: z.array(refreshBarSchema),
    lastFailure: z
        .object({
            id: z.string(),
            status: z.enum(refreshStatuses),
            endTime: instant.optional(),
            error: z
                .object({ status: z.number().optional(), code: z.string().optional(), message: z.string() })
                .optional(),
            messages: z.array(
                z.object({ code: z.string().optional(), message: z.string().optional(), type: z.string().optional() }),
            ),
        })
        .optional(),
});

const queueStatusSchema = z.object({
    name: z.string(),
    approximateMessages: count,
    oldestVisibleSeconds: z.number().nonnegative().optional(),
    peeked: count,
});
const poisonStatusSchema = z.object({
    name: z.string(),
    approximateMessages: count,
    entries: z.array(poisonEntrySchema),
});

/** GET /api/status.json: what the status page shows, read from Storage so every instance answers the same. */
export const statusReportSchema = z.object({
    generatedAt: instant,
    queue: queueStatusSchema,
    poison: poisonStatusSchema,
    /** EVENTHOUSE_QUEUE and its poison queue, when a dataset writes to the Eventhouse. */
    eventhouse: z.object({ queue: queueStatusSchema, poison: poisonStatusSchema }).optional(),
    datasets: z.array(datasetStatusSchema),
    refreshTargets: z.array(refreshTargetStatusSchema),
});

export type StatusReport = z.infer<typeof statusReportSchema>;
export type DatasetStatus = z.infer<typeof datasetStatusSchema>;
export type TableStatus = z.infer<typeof tableStatusSchema>;
export type PoisonEntry = z.infer<typeof poisonEntrySchema>;
export type RefreshTargetStatus = z.infer<typeof refreshTargetStatusSchema>;
