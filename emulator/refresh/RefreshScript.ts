import { z } from 'zod';
import { engineMessageSchema } from '../schemas/responseSchemas';

/**
 * How a refresh behaves, set by tests on a model (every refresh) or queued for the next refresh.
 * All durations are in emulated seconds.
 */
export const refreshScriptSchema = z.strictObject({
    /** Seconds one attempt runs before it ends (success or failure). */
    durationSeconds: z.number().nonnegative().default(30),
    /** Seconds the refresh stays `NotStarted` before its first attempt. */
    startDelaySeconds: z.number().nonnegative().default(0),
    /**
     * success: completes (after `failedAttempts` failing attempts, retried within retryCount);
     * failure: every attempt fails with `messages`;
     * timeout: every attempt runs past the request's `timeout` (default 05:00:00).
     */
    outcome: z.enum(['success', 'failure', 'timeout']).default('success'),
    /** With outcome success: this many attempts fail first. More than retryCount means the refresh fails. */
    failedAttempts: z.number().int().nonnegative().default(0),
    /** Engine messages reported by failing attempts (default: the documented eviction error 0xC11C0020). */
    messages: z.array(engineMessageSchema).optional(),
    /** Overrides the serviceExceptionJson reported for failed attempts. */
    serviceExceptionJson: z.string().optional(),
    /** Accepted with 202, then never visible in history or details, as the docs warn can happen. */
    dropped: z.boolean().default(false),
});

export type RefreshScript = z.output<typeof refreshScriptSchema>;
export type RefreshScriptInput = z.input<typeof refreshScriptSchema>;

export const defaultRefreshScript: RefreshScript = refreshScriptSchema.parse({});

/** The enhanced refresh docs' example of an eviction failure; rerunning the refresh is the documented fix. */
export const evictionMessage = {
    code: '0xC11C0020',
    message:
        'Session cancelled because it is connected to a database that has been evicted to free up memory for other operations. Please retry the operation.',
    type: 'Error' as const,
};
