import { z } from 'zod';
import { parseRefreshSchedule, RefreshScheduleError } from '../schedule/refreshSchedule';
import { isTimeZone } from '../schedule/wallClock';
import { expandObjects, templateProblem } from './partitionTemplate';

/** The enhanced refresh `timeout` format (per attempt), from the enhanced refresh docs. */
const timeoutPattern = /^([0-1]?[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$/;
/** A duration the relay itself uses (deadline): hh:mm:ss, hours up to 24 or more digits. */
const durationPattern = /^(\d{1,3}):([0-5][0-9]):([0-5][0-9])$/;

/** Attempt timeout the service applies when `timeout` is absent, and its cap on all attempts together. */
export const defaultAttemptTimeoutSeconds = 5 * 60 * 60;
export const maxTotalRefreshSeconds = 24 * 60 * 60;
/** Added to the service's own time budget before the relay cancels: the service should end it first. */
const deadlineMarginSeconds = 15 * 60;

export function toSeconds(duration: string): number {
    const match = durationPattern.exec(duration);
    if (!match) throw new RangeError(`Not an hh:mm:ss duration: ${duration}`);
    return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/**
 * Power BI's docs mix enum casing ("Full" next to "transactional"), and the service matches them
 * case-insensitively, so the config accepts either and normalises to the spelling of the spec.
 */
function caseInsensitiveEnum<const T extends readonly [string, ...string[]]>(values: T) {
    return z
        .string()
        .transform((value, ctx) => {
            const match = values.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
            if (match === undefined) {
                ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
                return z.NEVER;
            }
            return match as T[number];
        })
        .meta({ examples: [...values] });
}

export const refreshTypes = ['Full', 'ClearValues', 'Calculate', 'DataOnly', 'Automatic', 'Defragment'] as const;
export const commitModes = ['transactional', 'partialBatch'] as const;

/** The enhanced refresh request body (https://learn.microsoft.com/power-bi/connect-data/asynchronous-refresh). */
export const enhancedRefreshOptionsSchema = z
    .strictObject({
        type: caseInsensitiveEnum(refreshTypes)
            .default('Full')
            .meta({
                description:
                    'Processing type; the service default "Automatic" skips partitions that are already loaded, so the relay defaults to Full',
                examples: [...refreshTypes],
            }),
        commitMode: caseInsensitiveEnum(commitModes)
            .default('transactional')
            .meta({ description: 'partialBatch needs applyRefreshPolicy false', examples: [...commitModes] }),
        maxParallelism: z.number().int().min(1).max(1000).optional(),
        retryCount: z
            .number()
            .int()
            .min(0)
            .max(100)
            .optional()
            .describe('Attempts the service retries a failed refresh'),
        objects: z
            .array(
                z
                    .strictObject({
                        table: z.string().min(1),
                        partition: z
                            .string()
                            .min(1)
                            .optional()
                            .meta({
                                description:
                                    'Partition name; {yyyy}, {MM}, {dd} and {Q} are filled in at start time in the target timeZone',
                                examples: ['Sales-2026', 'Sales-{yyyy}-{MM}'],
                            }),
                        lastMonths: z
                            .number()
                            .int()
                            .min(1)
                            .max(120)
                            .optional()
                            .describe('One partition per month: the current one and the months before it'),
                        lastDays: z
                            .number()
                            .int()
                            .min(1)
                            .max(400)
                            .optional()
                            .describe('One partition per day: today and the days before it'),
                    })
                    .superRefine((object, ctx) => {
                        const problem = templateProblem(object);
                        if (problem) ctx.addIssue({ code: 'custom', path: ['partition'], message: problem });
                    }),
            )
            .min(1)
            .optional()
            .describe('Tables or partitions to refresh; the whole model when absent'),
        applyRefreshPolicy: z.boolean().optional().describe('Must be false with commitMode partialBatch'),
        effectiveDate: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
        timeout: z
            .string()
            .regex(timeoutPattern, 'must be hh:mm:ss below 24:00:00')
            .optional()
            .describe('Per attempt; default 05:00:00'),
        notifyOption: z
            .never({
                error: 'notifyOption must be left out of enhanced refreshes (and does not apply to service principals)',
            })
            .optional(),
    })
    .superRefine((options, ctx) => {
        if (options.commitMode === 'partialBatch' && options.applyRefreshPolicy !== false) {
            ctx.addIssue({
                code: 'custom',
                path: ['applyRefreshPolicy'],
                message: 'must be set to false when commitMode is partialBatch (the service rejects it otherwise)',
            });
        }
        const attempts = (options.retryCount ?? 0) + 1;
        const perAttempt = options.timeout === undefined ? defaultAttemptTimeoutSeconds : toSeconds(options.timeout);
        if (options.timeout !== undefined && perAttempt * attempts > maxTotalRefreshSeconds) {
            ctx.addIssue({
                code: 'custom',
                path: ['timeout'],
                message: `timeout × (retryCount + 1) must not exceed 24 hours, the service's limit for a refresh with its retries`,
            });
        }
    });

export const refreshTargetSchema = z
    .strictObject({
        name: z
            .string()
            .regex(
                /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/,
                'must be 1-63 letters, digits, "-" or "_" (it is used in URLs and table keys)',
            )
            .describe('The name the HTTP API and the history use for this target'),
        workspaceId: z.guid().optional().describe('Defaults to the POWERBI_WORKSPACE_ID app setting'),
        datasetId: z.guid().optional(),
        datasetName: z
            .string()
            .min(1)
            .max(256)
            .optional()
            .describe('Looked up in the workspace when datasetId is absent'),
        scheduled: z
            .boolean()
            .default(true)
            .describe('Started by the timer on its schedule; false: only on POST /api/refreshes'),
        schedule: z
            .string()
            .trim()
            .min(1)
            .optional()
            .meta({
                description:
                    'When the timer starts it: NCRONTAB ({second} {minute} {hour} {day} {month} {day-of-week}, read in timeZone) or an interval hh:mm:ss / d.hh:mm:ss; default REFRESH_SCHEDULE',
                examples: ['0 */30 8-17 * * MON-FRI', '0 0 6 * * MON-FRI', '01:00:00'],
            }),
        timeZone: z
            .string()
            .default('UTC')
            .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or America/New_York')
            .meta({
                description:
                    'The IANA time zone the schedule (its own or REFRESH_SCHEDULE) and partition templates are read in',
                examples: ['UTC', 'Europe/Berlin', 'America/New_York'],
            }),
        after: z
            .array(z.string().min(1))
            .min(1)
            .max(20)
            .optional()
            .describe(
                'Upstream targets: this one starts when they have completed since its own last start, instead of on a schedule; a failed upstream blocks it',
            ),
        afterMode: z
            .enum(['allCompleted', 'anyCompleted'])
            .default('allCompleted')
            .describe(
                'allCompleted: every upstream completed (any failed one blocks); anyCompleted: one completed (blocked only when all failed)',
            ),
        refresh: enhancedRefreshOptionsSchema.prefault({}),
        deadline: z
            .string()
            .regex(durationPattern, 'must be hh:mm:ss')
            .optional()
            .describe(
                'Cancel the refresh when it runs longer than this after the request (default: timeout × (retryCount + 1), at most 24 hours, plus 15 minutes)',
            ),
        sharedCapacity: z
            .boolean()
            .default(false)
            .describe(
                "The workspace is on shared (Pro) capacity: the relay sends a standard refresh (no refresh options), at most 8 a day counting the service history's API and scheduled refreshes, and cannot cancel it",
            ),
        maxAge: z
            .string()
            .regex(durationPattern, 'must be hh:mm:ss')
            .optional()
            .meta({
                description:
                    'Alert once when no refresh of the target has completed for longer than this (hh:mm:ss, hours may exceed 24); "back to normal" when one does',
                examples: ['26:00:00', '02:00:00'],
            }),
        slowAlertFactor: z
            .number()
            .min(1.5)
            .max(100)
            .optional()
            .describe(
                'Alert once when a refresh runs longer than this many times the usual duration (median of the last completed refreshes) and at least a minute over it',
            ),
        restartWhenDropped: z
            .boolean()
            .default(false)
            .describe('Start again, once, when the service accepted a refresh but never ran it'),
    })
    .superRefine((target, ctx) => {
        if ((target.datasetId === undefined) === (target.datasetName === undefined)) {
            ctx.addIssue({
                code: 'custom',
                path: ['datasetId'],
                message: 'set exactly one of datasetId or datasetName',
            });
        }
        if (target.sharedCapacity) {
            const { type, commitMode, ...rest } = target.refresh;
            const set = Object.entries(rest).filter(([, value]) => value !== undefined);
            if (type !== 'Full' || commitMode !== 'transactional' || set.length > 0)
                ctx.addIssue({
                    code: 'custom',
                    path: ['refresh'],
                    message:
                        'a sharedCapacity target gets a standard refresh, which takes no options (enhanced refresh needs Premium, PPU or Embedded capacity); leave "refresh" out',
                });
        }
        if (target.after !== undefined && target.schedule !== undefined) {
            ctx.addIssue({
                code: 'custom',
                path: ['schedule'],
                message: 'a target with "after" is started by its upstream targets; leave "schedule" out',
            });
        }
        if (target.schedule !== undefined && isTimeZone(target.timeZone)) {
            try {
                parseRefreshSchedule(target.schedule, target.timeZone);
            } catch (error) {
                if (!(error instanceof RefreshScheduleError)) throw error;
                ctx.addIssue({ code: 'custom', path: ['schedule'], message: error.message });
            }
        }
    });

export type RefreshTarget = z.infer<typeof refreshTargetSchema>;
export type EnhancedRefreshOptions = RefreshTarget['refresh'];

/** A refresh on shared capacity is limited to 2 hours by the service (refresh-data.md). */
export const sharedRefreshSeconds = 2 * 60 * 60;

/** How long the relay lets a refresh run before it cancels it (or, on shared capacity, stops following it). */
export function deadlineSeconds(target: RefreshTarget): number {
    if (target.deadline !== undefined) return toSeconds(target.deadline);
    if (target.sharedCapacity) return sharedRefreshSeconds + deadlineMarginSeconds;
    const perAttempt =
        target.refresh.timeout === undefined ? defaultAttemptTimeoutSeconds : toSeconds(target.refresh.timeout);
    const budget = Math.min(maxTotalRefreshSeconds, perAttempt * ((target.refresh.retryCount ?? 0) + 1));
    return budget + deadlineMarginSeconds;
}

/**
 * The request body sent to Power BI at `now`: only the fields the config sets, so the service's defaults
 * apply to the rest; partition templates expanded in the target's time zone; notifyOption never (the
 * schema rejects it; it would turn the refresh back into a standard one).
 */
export function toRefreshRequest(target: Pick<RefreshTarget, 'refresh' | 'timeZone' | 'sharedCapacity'>, now: Date) {
    type Sent = Omit<EnhancedRefreshOptions, 'notifyOption' | 'objects'> & {
        objects?: { table: string; partition?: string }[];
    };
    // No parameter at all makes it a standard refresh; notifyOption would not apply to a service principal.
    if (target.sharedCapacity) return {} as Sent;
    const request = Object.fromEntries(
        Object.entries(target.refresh).filter(
            ([key, value]) => key !== 'notifyOption' && key !== 'objects' && value !== undefined,
        ),
    ) as unknown as Sent;
    if (target.refresh.objects !== undefined)
        request.objects = expandObjects(target.refresh.objects, now, target.timeZone);
    return request;
}
