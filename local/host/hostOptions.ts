import { z } from 'zod';
import { describeZodError } from '../../src/config/describeZodError';

/** host.json `extensions.queues`, with the defaults of the Storage extension's QueuesOptions.cs. */
export interface QueueOptions {
    batchSize: number;
    newBatchThreshold: number;
    maxPollingIntervalMs: number;
    visibilityTimeoutMs: number;
    maxDequeueCount: number;
    messageEncoding: 'base64' | 'none';
}

export interface HostOptions {
    queues: QueueOptions;
    /** host.json `extensions.http.routePrefix`, default `api`. */
    routePrefix: string;
}

/** Minimum polling interval of the Storage extension (QueuePollingIntervals.cs). */
export const minimumPollingIntervalMs = 100;

const timeSpan = z.union([z.string(), z.number()]);

const hostJsonSchema = z.looseObject({
    extensions: z
        .looseObject({
            queues: z
                .looseObject({
                    batchSize: z.number().int().min(1).max(32).optional(),
                    newBatchThreshold: z.number().int().min(0).optional(),
                    maxPollingInterval: timeSpan.optional(),
                    visibilityTimeout: timeSpan.optional(),
                    maxDequeueCount: z.number().int().min(1).optional(),
                    messageEncoding: z
                        .string()
                        .refine((v) => ['base64', 'none'].includes(v.toLowerCase()), 'must be "base64" or "none"')
                        .optional(),
                })
                .optional(),
            http: z.looseObject({ routePrefix: z.string().optional() }).optional(),
        })
        .optional(),
});

export function parseHostJson(hostJson: unknown, processorCount: number): HostOptions {
    const parsed = hostJsonSchema.safeParse(hostJson ?? {});
    if (!parsed.success) {
        throw new Error(`Invalid host.json: ${describeZodError(parsed.error)}`);
    }
    const queues = parsed.data.extensions?.queues ?? {};
    const batchSize = queues.batchSize ?? 16;
    const maxPollingIntervalMs = Math.max(
        minimumPollingIntervalMs,
        parseTimeSpan(queues.maxPollingInterval ?? '00:01:00', 'extensions.queues.maxPollingInterval'),
    );
    return {
        queues: {
            batchSize,
            newBatchThreshold: queues.newBatchThreshold ?? Math.floor(batchSize / 2) * processorCount,
            maxPollingIntervalMs,
            visibilityTimeoutMs: parseTimeSpan(queues.visibilityTimeout ?? 0, 'extensions.queues.visibilityTimeout'),
            maxDequeueCount: queues.maxDequeueCount ?? 5,
            messageEncoding: (queues.messageEncoding?.toLowerCase() ?? 'base64') as 'base64' | 'none',
        },
        routePrefix: (parsed.data.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    };
}

/**
 * Parses a .NET TimeSpan as host.json writes it (`[d.]hh:mm:ss[.fffffff]`) into milliseconds. A bare
 * number is taken as milliseconds, as Functions v1 host.json did.
 */
export function parseTimeSpan(value: string | number, setting: string): number {
    if (typeof value === 'number') {
        return value;
    }
    const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(value.trim());
    if (!match) {
        throw new Error(`Invalid host.json ${setting}: "${value}" is not a TimeSpan like "00:00:30".`);
    }
    const [, days, hours, minutes, seconds, fraction] = match;
    const fractionMs = fraction ? Number(`0.${fraction}`) * 1000 : 0;
    return (
        ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000 + fractionMs
    );
}
