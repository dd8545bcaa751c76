import { errorMessagesOf } from './refreshAlert';
import type { RefreshRecord } from './refreshRecord';

export interface RefreshNotifier {
    /** Posts the outcome to the webhook; never throws, a failing webhook must not undo a recorded outcome. */
    notify(record: RefreshRecord): Promise<{ sent: boolean; error?: string }>;
}

function formatDuration(seconds: number | undefined): string {
    if (seconds === undefined) return 'unknown';
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = Math.round(seconds % 60);
    return h > 0 ? `${h}h ${m}m ${s}s` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

/**
 * The JSON an incoming webhook receives: `text` is what Teams (legacy connector / Workflows "post to a
 * channel when a webhook request is received") and Slack show; the same facts follow as fields for
 * workflows that build their own card.
 */
export function toNotification(record: RefreshRecord) {
    const errors = errorMessagesOf(record);
    const duration = formatDuration(record.durationSeconds);
    const lines = [
        `Power BI refresh of ${record.target} ended ${record.status} after ${duration}.`,
        ...errors.slice(0, 5).map((error) => `- ${error.slice(0, 500)}`),
        `Tracking id ${record.id}${record.requestId ? `, request id ${record.requestId}` : ''}.`,
    ];
    return {
        text: lines.join('\n'),
        dataset: record.target,
        status: record.status,
        extendedStatus: record.extendedStatus,
        durationSeconds: record.durationSeconds,
        duration,
        errors,
        id: record.id,
        requestId: record.requestId,
        workspaceId: record.workspaceId,
        datasetId: record.datasetId,
        trigger: record.trigger,
        requestedAt: record.requestedAt,
        startTime: record.startTime,
        endTime: record.endTime,
    };
}

export function createRefreshNotifier(
    url: string | undefined,
    options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): RefreshNotifier {
    const fetchImpl = options.fetch ?? fetch;
    return {
        async notify(record) {
            if (url === undefined) return { sent: false };
            try {
                const response = await fetchImpl(url, {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/json; charset=utf-8' },
                    body: JSON.stringify(toNotification(record)),
                    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
                });
                await response.arrayBuffer().catch(() => undefined);
                return response.ok
                    ? { sent: true }
                    : { sent: false, error: `webhook answered HTTP ${response.status}` };
            } catch (error) {
                return { sent: false, error: `webhook unreachable: ${(error as Error).message}` };
            }
        },
    };
}
