import { z } from 'zod';

/**
 * Refresh responses, written from the OpenAPI definitions Refresh, Refreshes, RefreshAttempt,
 * DatasetRefreshDetail and EngineMessage. Enumerations are read as plain strings because the service
 * sends values the spec does not list (enhanced refreshes show up as refreshType "ReliableProcessing",
 * MicrosoftDocs/powerbi-docs#3892); `id` and `extendedStatus` are seen in practice although the spec
 * lacks them. Unknown fields are kept.
 */
export const refreshAttemptSchema = z.looseObject({
    attemptId: z.number().int().optional(),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    serviceExceptionJson: z.string().optional(),
    type: z.string().optional(),
});

/** What a history entry and the execution details both say of a refresh. */
const refreshStateShape = {
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    status: z.string().default('Unknown'),
    extendedStatus: z.string().optional(),
    refreshAttempts: z.array(refreshAttemptSchema).optional(),
};

export const refreshHistoryEntrySchema = z.looseObject({
    ...refreshStateShape,
    requestId: z.string().optional(),
    id: z.number().optional(),
    refreshType: z.string().optional(),
    serviceExceptionJson: z.string().optional(),
});

export const refreshHistorySchema = z.looseObject({ value: z.array(refreshHistoryEntrySchema) });

export const engineMessageSchema = z.looseObject({
    code: z.string().optional(),
    message: z.string().optional(),
    type: z.string().optional(),
});

export const refreshObjectStatusSchema = z.looseObject({
    table: z.string().optional(),
    partition: z.string().optional(),
    status: z.string().optional(),
});

export const refreshDetailSchema = z.looseObject({
    ...refreshStateShape,
    type: z.string().optional(),
    commitMode: z.string().optional(),
    currentRefreshType: z.string().optional(),
    numberOfAttempts: z.number().int().optional(),
    objects: z.array(refreshObjectStatusSchema).optional(),
    messages: z.array(engineMessageSchema).optional(),
});

export type RefreshAttempt = z.infer<typeof refreshAttemptSchema>;
export type RefreshHistoryEntry = z.infer<typeof refreshHistoryEntrySchema>;
export type EngineMessage = z.infer<typeof engineMessageSchema>;
export type RefreshObjectStatus = z.infer<typeof refreshObjectStatusSchema>;
export type RefreshDetail = z.infer<typeof refreshDetailSchema>;
