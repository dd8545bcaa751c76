import { z } from 'zod';
import type { RefreshRecord } from './refreshRecord';

/**
 * One scheduled status check of one refresh (REFRESH_QUEUE). The message carries what the poller needs
 * to find the refresh without any process memory; `poll` is the sequence number of this check, so a copy
 * delivered twice (host retry, a crash between send and delete) is recognised as stale against the
 * record's poll count.
 */
export const pollMessageSchema = z.strictObject({
    version: z.literal(1),
    kind: z.literal('poll'),
    /** The relay's tracking id (`<target>~<rowKey>`). */
    id: z.string().min(1),
    target: z.string().min(1),
    rowKey: z.string().min(1),
    workspaceId: z.string().min(1),
    datasetId: z.string().min(1),
    requestId: z.string().min(1),
    poll: z.number().int().nonnegative(),
    /** Written by earlier versions (the queue's visibility timeout is what delays a check); still accepted, never read. */
    notBefore: z.iso.datetime().optional(),
});

export type PollMessage = z.infer<typeof pollMessageSchema>;

/** The check number `poll` of the refresh a record tracks. */
export function toPollMessage(
    record: Pick<RefreshRecord, 'id' | 'target' | 'rowKey' | 'workspaceId'>,
    refresh: { datasetId: string; requestId: string },
    poll: number,
): PollMessage {
    return {
        version: 1,
        kind: 'poll',
        id: record.id,
        target: record.target,
        rowKey: record.rowKey,
        workspaceId: record.workspaceId,
        datasetId: refresh.datasetId,
        requestId: refresh.requestId,
        poll,
    };
}
