import { z } from 'zod';
import { kustoTypeSchema } from '../state/kustoTypes';

const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    message: 'must be a GUID',
});
const fqns = z.array(z.string().min(1)).default([]);

/** POST /_emulator/databases: a database and its principals (`aadapp=<client id>;<tenant id>`), optionally tables. */
export const databaseInputSchema = z.strictObject({
    name: z.string().min(1).max(260),
    admins: fqns,
    ingestors: fqns,
    viewers: fqns,
    /** Tables to create at once (the same as `.create-merge table`), for tests that skip the setup commands. */
    tables: z
        .array(
            z.strictObject({
                name: z.string().min(1),
                columns: z.array(z.strictObject({ name: z.string().min(1), type: kustoTypeSchema })).min(1),
            }),
        )
        .default([]),
});
export type DatabaseInput = z.input<typeof databaseInputSchema>;

/** POST /_emulator/workspaces: a Fabric workspace and its members' roles (by object id). */
export const workspaceInputSchema = z.strictObject({
    id: guid.optional(),
    name: z.string().min(1),
    members: z
        .array(
            z.strictObject({
                principalId: z.string().min(1),
                role: z.enum(['Admin', 'Member', 'Contributor', 'Viewer']),
            }),
        )
        .default([]),
});
export type WorkspaceInput = z.input<typeof workspaceInputSchema>;

/** POST /_emulator/eventhouses: an eventhouse in a workspace with its KQL databases (created when absent). */
export const eventhouseInputSchema = z.strictObject({
    id: guid.optional(),
    workspaceId: guid,
    displayName: z.string().min(1),
    databases: z.array(z.strictObject({ id: guid.optional(), name: z.string().min(1) })).default([]),
});
export type EventhouseInput = z.input<typeof eventhouseInputSchema>;

/** POST /_emulator/tokens: a token signed with this emulator's key (standalone use, expired or foreign tokens). */
export const kustoTokenInputSchema = z.strictObject({
    principalId: z.string().min(1),
    clientId: z.string().min(1).optional(),
    audience: z.string().min(1).default('https://kusto.kusto.windows.net'),
    /** Negative for a token that has already expired. Default 3,600. */
    expiresInSeconds: z.number().int().default(3_600),
});
export type KustoTokenInput = z.input<typeof kustoTokenInputSchema>;

/** The `seed` option / POST /_emulator/seed: applied in order. */
export const kustoSeedSchema = z.strictObject({
    $schema: z.string().optional(),
    databases: z.array(databaseInputSchema).default([]),
    workspaces: z.array(workspaceInputSchema).default([]),
    eventhouses: z.array(eventhouseInputSchema).default([]),
});
export type KustoSeed = z.input<typeof kustoSeedSchema>;
