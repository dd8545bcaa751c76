import { z } from 'zod';
import { refreshStatuses, refreshTriggers, requesters } from '../refresh/refreshRecord';

/**
 * The bodies the HTTP functions answer with, as zod schemas for the OpenAPI document. The functions build
 * them with toAcceptedBody, toErrorBody, toRefreshView and listTargets; test/openapi keeps the types in step
 * and checks live answers against the document.
 */
const rowErrorSchema = z.object({
    row: z.int().min(0).describe('Index of the row in the request'),
    column: z.string().optional(),
    reason: z.string(),
});

export const errorBodySchema = z
    .object({
        error: z.looseObject({
            code: z.string().describe('Stable machine-readable code, e.g. InvalidRows, UnknownTarget'),
            message: z.string().describe('What is wrong and where'),
            invalidRows: z.int().optional(),
            rowErrors: z.array(rowErrorSchema).optional().describe('At most 1,000 entries'),
            targets: z.array(z.string()).optional().describe('The configured refresh targets'),
            id: z.string().optional().describe('Tracking id of the refresh concerned'),
            status: z.int().optional().describe("Power BI's HTTP status"),
        }),
    })
    .describe('Every 4xx and 5xx answer');

export const acceptedBodySchema = z.strictObject({
    ingestionId: z.string().describe('Id of the committed request; the push log lines carry it'),
    rows: z.int().min(1),
    droppedColumns: z.array(z.string()).optional().describe('Properties left out (unknownColumns: drop)'),
});

const eventCounts = {
    events: z.int().min(0),
    filtered: z.int().min(0).describe('Events the filter left out'),
    duplicates: z.int().min(0).describe('Events committed before (same event id)'),
};

export const sourceAcceptedBodySchema = acceptedBodySchema.extend(eventCounts);

export const sourceNoRowsBodySchema = z.strictObject({ rows: z.literal(0), ...eventCounts });

export const eventGridValidationBodySchema = z.strictObject({
    validationResponse: z.string().describe("Event Grid's validationCode, which completes the subscription"),
});

const messagesSchema = z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional() }));

export const refreshViewSchema = z.object({
    id: z.string().describe('Tracking id: GET /api/refreshes/{id}'),
    dataset: z.string().describe('The refresh target'),
    workspaceId: z.string(),
    datasetId: z.string().optional(),
    requestId: z.string().optional().describe("Power BI's refresh id"),
    trigger: z.enum(refreshTriggers),
    requestedBy: z.enum(requesters),
    status: z.enum(refreshStatuses),
    serviceStatus: z.string().optional(),
    extendedStatus: z.string().optional(),
    refreshType: z.string().optional(),
    requestedAt: z.string(),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    durationSeconds: z.number().optional(),
    deadline: z.string(),
    expectedSeconds: z.number().optional(),
    attempts: z.number().optional(),
    startAttempts: z.number(),
    polls: z.number(),
    options: z.record(z.string(), z.unknown()).optional(),
    objects: z.array(z.looseObject({})).optional(),
    messages: messagesSchema.optional(),
    refreshAttempts: z.array(z.looseObject({})).optional(),
    serviceExceptionJson: z.string().optional(),
    error: z.object({ status: z.number().optional(), code: z.string().optional(), message: z.string() }).optional(),
    restartOf: z.string().optional(),
    restartedAs: z.string().optional(),
    slot: z.string().optional(),
    upstream: z.array(z.string()).optional(),
});

export const refreshListSchema = z.object({ value: z.array(refreshViewSchema) });

export const refreshConflictSchema = errorBodySchema.extend({ running: refreshViewSchema.optional() });

export const targetListSchema = z.object({
    value: z.array(
        z.object({
            name: z.string(),
            scheduled: z.boolean(),
            schedule: z.string(),
            timeZone: z.string(),
            nextRuns: z.array(z.string()),
            after: z.array(z.string()).optional(),
            afterMode: z.enum(['allCompleted', 'anyCompleted']).optional(),
            lastSlot: z
                .object({
                    slot: z.string(),
                    claimedAt: z.string(),
                    refreshId: z.string().optional(),
                    outcome: z.string().optional(),
                    skipped: z.number().optional(),
                })
                .optional(),
        }),
    ),
});
