import { z } from 'zod';

/**
 * Every push limit the emulator enforces. Defaults are the documented values
 * (https://learn.microsoft.com/en-us/power-bi/developer/embedded/push-datasets-limitations).
 */
export const limitsSchema = z.strictObject({
    maxRowsPerRequest: z.number().int().positive(),
    maxPostRowsRequestsPerMinute: z.number().int().positive(),
    /** Once the target table holds this many rows, the hourly request budget below applies. */
    slowdownTableRows: z.number().int().positive(),
    maxPostRowsRequestsPerHourAfterSlowdown: z.number().int().positive(),
    maxRowsPerHour: z.number().int().positive(),
    maxPendingPostRowsRequests: z.number().int().positive(),
    /** basicFIFO tables are trimmed back to this many rows ... */
    fifoMaxRows: z.number().int().positive(),
    /** ... once they exceed fifoMaxRows + fifoTrimSlack (the docs say 200,000-210,000 are kept). */
    fifoTrimSlack: z.number().int().nonnegative(),
    maxRowsPerTableNone: z.number().int().positive(),
    maxStringLength: z.number().int().positive(),
    maxRequestBytes: z.number().int().positive(),
    maxTables: z.number().int().positive(),
    maxColumns: z.number().int().positive(),
    maxRelationships: z.number().int().positive(),
    /** Refresh history entries kept per model (the docs say up to 60). */
    maxRefreshHistory: z.number().int().positive(),
    /** Refreshes a model on shared capacity may have in 24 h, scheduled and API ones together (the docs: 8). */
    maxSharedRefreshesPerDay: z.number().int().positive(),
    /** Total time an enhanced refresh may take including retries. */
    maxRefreshTotalSeconds: z.number().int().positive(),
    /** Datasets - Execute Queries calls per minute per user. */
    maxExecuteQueriesPerMinute: z.number().int().positive(),
});

export type Limits = z.infer<typeof limitsSchema>;

export const defaultLimits: Limits = {
    maxRowsPerRequest: 10_000,
    maxPostRowsRequestsPerMinute: 120,
    slowdownTableRows: 250_000,
    maxPostRowsRequestsPerHourAfterSlowdown: 120,
    maxRowsPerHour: 1_000_000,
    maxPendingPostRowsRequests: 5,
    fifoMaxRows: 200_000,
    fifoTrimSlack: 10_000,
    maxRowsPerTableNone: 5_000_000,
    maxStringLength: 4_000,
    maxRequestBytes: 16 * 1024 * 1024,
    maxTables: 75,
    maxColumns: 75,
    maxRelationships: 75,
    maxRefreshHistory: 60,
    maxSharedRefreshesPerDay: 8,
    maxRefreshTotalSeconds: 24 * 60 * 60,
    maxExecuteQueriesPerMinute: 120,
};

export const limitsOverrideSchema = limitsSchema.partial();
export type LimitsOverride = z.infer<typeof limitsOverrideSchema>;
