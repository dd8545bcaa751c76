import { z } from 'zod';
import { commitModes, refreshTypes } from './requestSchemas';

/*
 * Response bodies, written from the spec's definitions (Dataset, Table, Refresh, RefreshAttempt,
 * DatasetRefreshDetail, EngineMessage). Exported so that clients and tests can check what they receive.
 * Objects are loose (extra properties allowed) because the service adds fields over time;
 * `Refresh.id` and `extendedStatus` are seen in practice although missing from the spec.
 */

export const errorResponseSchema = z.object({
    error: z.object({
        code: z.string(),
        message: z.string().optional(),
        details: z
            .array(z.object({ message: z.string(), target: z.string().optional(), code: z.string().optional() }))
            .optional(),
    }),
});

export const createdDatasetSchema = z.object({
    id: z.string().uuid(),
    name: z.string(),
    defaultRetentionPolicy: z.enum(['None', 'basicFIFO']),
});

export const datasetSchema = z.object({
    id: z.string(),
    name: z.string().optional(),
    configuredBy: z.string().optional(),
    addRowsAPIEnabled: z.boolean().optional(),
    isRefreshable: z.boolean().optional(),
    isEffectiveIdentityRequired: z.boolean().optional(),
    isEffectiveIdentityRolesRequired: z.boolean().optional(),
    isOnPremGatewayRequired: z.boolean().optional(),
    webUrl: z.string().optional(),
    createdDate: z.string().datetime().optional(),
    targetStorageMode: z.string().optional(),
    createReportEmbedURL: z.string().optional(),
    qnaEmbedURL: z.string().optional(),
    description: z.string().optional(),
});

export const datasetsSchema = z.object({
    'odata.context': z.string().optional(),
    value: z.array(datasetSchema),
});

export const tablesSchema = z.object({
    'odata.context': z.string().optional(),
    value: z.array(z.object({ name: z.string() })),
});

export const refreshAttemptSchema = z.object({
    attemptId: z.number().int(),
    startTime: z.string().datetime(),
    endTime: z.string().datetime().optional(),
    serviceExceptionJson: z.string().optional(),
    type: z.enum(['Data', 'Query']),
});

export const refreshStatusSchema = z.enum(['Unknown', 'Completed', 'Failed', 'Disabled', 'Cancelled']);
export const extendedStatusSchema = z.enum([
    'Unknown',
    'NotStarted',
    'InProgress',
    'Completed',
    'TimedOut',
    'Failed',
    'Disabled',
    'Cancelled',
]);

export const refreshSchema = z.object({
    requestId: z.string(),
    id: z.number().int().optional(),
    refreshType: z.string(),
    startTime: z.string().datetime(),
    endTime: z.string().datetime().optional(),
    serviceExceptionJson: z.string().optional(),
    status: refreshStatusSchema,
    extendedStatus: extendedStatusSchema.optional(),
    refreshAttempts: z.array(refreshAttemptSchema).optional(),
});

export const refreshesSchema = z.object({
    'odata.context': z.string().optional(),
    value: z.array(refreshSchema),
});

export const engineMessageSchema = z.object({
    code: z.string().optional(),
    message: z.string(),
    type: z.enum(['Error', 'Warning']),
});

export const datasetRefreshDetailSchema = z.object({
    startTime: z.string().datetime(),
    endTime: z.string().datetime().optional(),
    type: z.enum(refreshTypes),
    commitMode: z.enum(commitModes),
    status: refreshStatusSchema,
    extendedStatus: extendedStatusSchema,
    currentRefreshType: z.enum(refreshTypes),
    numberOfAttempts: z.number().int(),
    objects: z
        .array(z.object({ table: z.string(), partition: z.string().optional(), status: z.string().optional() }))
        .optional(),
    messages: z.array(engineMessageSchema).optional(),
    refreshAttempts: z.array(refreshAttemptSchema).optional(),
});

export type RefreshHistoryEntry = z.infer<typeof refreshSchema>;
export type DatasetRefreshDetail = z.infer<typeof datasetRefreshDetailSchema>;
export type EngineMessage = z.infer<typeof engineMessageSchema>;
