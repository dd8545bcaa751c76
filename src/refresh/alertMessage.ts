import { z } from 'zod';

/**
 * One alert on its way to REFRESH_NOTIFY_URL (REFRESH_QUEUE, next to the status checks). The message is
 * the alert's durable copy: it is queued when the alert is raised and delivered by the queue function,
 * which queues it again with back-off while the webhook fails, so an alert survives a webhook outage and a
 * restart. It names the refreshes it is about; the payload is built from the history at delivery.
 */
export const alertMessageSchema = z.strictObject({
    version: z.literal(1),
    kind: z.literal('alert'),
    /** Stable across retries and duplicates: receivers deduplicate by it. */
    alertId: z.string().min(1),
    about: z.enum(['outcome', 'recovery', 'stale', 'slow']),
    target: z.string().min(1),
    /** The refresh the alert is about (tracking id); for `stale` the last one that completed, if any. */
    refreshId: z.string().min(1).optional(),
    /** recovery: the refresh that alerted before this completed one. */
    recoveredFromId: z.string().min(1).optional(),
    /** stale: when the last refresh completed (or the relay began watching); recovery: the stale episode it ends. */
    staleSince: z.iso.datetime().optional(),
    /** recovery: this refresh had raised a slow alert. */
    wasSlow: z.boolean().optional(),
    maxAgeSeconds: z.number().nonnegative().optional(),
    usualSeconds: z.number().nonnegative().optional(),
    runningSeconds: z.number().nonnegative().optional(),
    /** Deliveries tried so far. */
    attempt: z.number().int().nonnegative(),
    raisedAt: z.iso.datetime(),
    /** Written by earlier versions (the queue's visibility timeout is what delays a delivery); still accepted, never read. */
    notBefore: z.iso.datetime().optional(),
});

export type AlertMessage = z.infer<typeof alertMessageSchema>;
