import type { RefreshStatus } from './refreshRecord';

/**
 * The relay's status for what the service reports. A running enhanced refresh shows `status: "Unknown"`
 * with `extendedStatus` NotStarted or InProgress (MicrosoftDocs/powerbi-docs#3892); a cancelled one shows
 * Cancelled in both; an attempt that ran past its `timeout` ends Failed with extendedStatus TimedOut.
 * Values the relay does not know keep the refresh running: the deadline ends it if the service never does.
 */
export function toRefreshStatus(
    status: string | undefined,
    extendedStatus?: string,
): Extract<RefreshStatus, 'Running' | 'Completed' | 'Failed' | 'Cancelled' | 'TimedOut' | 'Disabled'> {
    const extended = extendedStatus?.toLowerCase();
    if (extended === 'timedout') return 'TimedOut';
    if (extended === 'cancelled') return 'Cancelled';
    switch (status?.toLowerCase()) {
        case 'completed':
            return 'Completed';
        case 'failed':
            return 'Failed';
        case 'cancelled':
            return 'Cancelled';
        case 'disabled':
            return 'Disabled';
        default:
            break;
    }
    // status Unknown (or absent): the extended status may already know the end.
    switch (extended) {
        case 'completed':
            return 'Completed';
        case 'failed':
            return 'Failed';
        case 'disabled':
            return 'Disabled';
        default:
            return 'Running';
    }
}
