import { z } from 'zod';
import { refreshScriptSchema } from '../refresh/RefreshScript';
import { createDatasetRequestSchema } from '../schemas/requestSchemas';

const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    message: 'must be a GUID',
});

/** POST /_emulator/workspaces */
export const workspaceInputSchema = z.strictObject({
    id: guid.optional(),
    name: z.string().min(1),
    members: z
        .array(
            z.strictObject({
                principalId: z.string().min(1),
                role: z.enum(['Admin', 'Member', 'Contributor', 'Viewer']),
                /** How Groups - Get Group Users reports the member. Default App. */
                principalType: z.enum(['App', 'User', 'Group']).optional(),
                displayName: z.string().optional(),
            }),
        )
        .default([]),
    /** Enhanced refresh needs Premium/PPU/Embedded; "Shared" makes the service reject it. Default Premium. */
    capacity: z.enum(['Premium', 'Shared']).default('Premium'),
});
export type WorkspaceInput = z.input<typeof workspaceInputSchema>;

/** POST /_emulator/models: a refreshable (import) model. */
export const modelInputSchema = z.strictObject({
    id: guid.optional(),
    workspaceId: guid,
    name: z.string().min(1),
    tables: z
        .array(z.strictObject({ name: z.string().min(1), partitions: z.array(z.string().min(1)).optional() }))
        .min(1),
    /** The script every refresh of this model follows unless one is queued. */
    refreshScript: refreshScriptSchema.optional(),
});
export type ModelInput = z.input<typeof modelInputSchema>;

/** A push dataset created at start (seed files) or through POST /_emulator/push-datasets. */
export const pushDatasetInputSchema = z.strictObject({
    id: guid.optional(),
    workspaceId: guid,
    defaultRetentionPolicy: z.enum(['None', 'basicFIFO']).default('None'),
    configuredBy: z.string().optional(),
    dataset: createDatasetRequestSchema,
});
export type PushDatasetInput = z.input<typeof pushDatasetInputSchema>;

/** Seed file / `seed` option: the same content as the control API calls, applied in order. */
export const seedSchema = z.strictObject({
    $schema: z.string().optional(),
    workspaces: z.array(workspaceInputSchema).default([]),
    models: z.array(modelInputSchema).default([]),
    pushDatasets: z.array(pushDatasetInputSchema).default([]),
});
export type Seed = z.input<typeof seedSchema>;

/** POST /_emulator/clock */
export const clockInputSchema = z.strictObject({
    advanceSeconds: z.number().nonnegative().optional(),
    advanceMs: z.number().nonnegative().optional(),
    set: z.string().datetime({ offset: true }).optional(),
    frozen: z.boolean().optional(),
    timeScale: z.number().positive().optional(),
});
export type ClockInput = z.input<typeof clockInputSchema>;

/** POST /_emulator/tokens: a token without going through /msi/token (users, expired or foreign tokens). */
export const tokenInputSchema = z.strictObject({
    principalId: z.string().min(1),
    kind: z.enum(['app', 'user']).default('app'),
    audience: z.string().optional(),
    expiresInSeconds: z.number().int().optional(),
    clientId: z.string().optional(),
});
export type TokenInput = z.input<typeof tokenInputSchema>;

export const scriptInputSchema = refreshScriptSchema;
