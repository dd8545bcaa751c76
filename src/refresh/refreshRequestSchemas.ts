import { z } from 'zod';
import { maxTop } from './listRefreshes';
import { maxNextRuns } from './listTargets';

/** POST /api/refreshes: the target to refresh; an empty body works when one target is configured. */
export const requestRefreshBodySchema = z.strictObject({
    target: z.string().min(1).optional().describe('A configured refresh target'),
});

/** GET /api/refreshes query. */
export const listRefreshesQuerySchema = z.object({
    dataset: z.string().min(1).optional().describe("Only this target's refreshes"),
    top: z.coerce.number().int().min(1).max(maxTop).default(20).describe('How many, newest first'),
});

/** GET /api/refresh-targets query. */
export const listRefreshTargetsQuerySchema = z.object({
    next: z.coerce.number().int().min(0).max(maxNextRuns).default(5).describe('How many next scheduled runs to list'),
});
