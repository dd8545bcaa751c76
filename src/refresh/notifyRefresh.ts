import type { Settings } from '../config/settings';
import { errorMessagesOf } from './refreshAlert';
import type { RefreshRecord } from './refreshRecord';

export interface RefreshNotifier {
    /**
     * Posts the outcome to the webhook (with `recoveredFrom`: the refresh that alerted before a completed
     * one, the "back to normal" alert); never throws, a failing webhook must not undo a recorded outcome.
     */
    notify(record: RefreshRecord, recoveredFrom?: RefreshRecord): Promise<{ sent: boolean; error?: string }>;
}

function formatDuration(seconds: number | undefined): string {
    if (seconds === undefined) return 'unknown';
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = Math.round(seconds % 60);
    return h > 0 ? `${h}h ${m}m ${s}s` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

export type NotifyFormat = Settings['REFRESH_NOTIFY_FORMAT'];

/** The same refresh ends once, so its tracking id and outcome identify the alert: receivers deduplicate by it. */
export const alertIdOf = (record: RefreshRecord) => `${record.id}:${record.status}`;

/**
 * The JSON an incoming webhook receives (REFRESH_NOTIFY_FORMAT json): `text` is what a simple receiver
 * shows; the same facts follow as fields for workflows that build their own card.
 */
export function toNotification(record: RefreshRecord, recoveredFrom?: RefreshRecord) {
    const errors = errorMessagesOf(record);
    const duration = formatDuration(record.durationSeconds);
    const lines = [
        recoveredFrom === undefined
            ? `Power BI refresh of ${record.target} ended ${record.status} after ${duration}.`
            : `Power BI refresh of ${record.target} is back to normal: ${record.status} after ${duration} (the one before ended ${recoveredFrom.status}).`,
        ...errors.slice(0, 5).map((error) => `- ${error.slice(0, 500)}`),
        `Tracking id ${record.id}${record.requestId ? `, request id ${record.requestId}` : ''}.`,
    ];
    return {
        alertId: alertIdOf(record),
        kind: recoveredFrom === undefined ? 'outcome' : 'recovery',
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
        recoveredFrom: recoveredFrom === undefined ? undefined : { id: recoveredFrom.id, status: recoveredFrom.status },
    };
}

/**
 * A Teams Workflows webhook ("When a Teams webhook request is received"; Office 365 connector webhooks are
 * retired) posts the Adaptive Card in `attachments` to the channel.
 */
export function toTeamsCard(record: RefreshRecord, recoveredFrom?: RefreshRecord) {
    const alert = toNotification(record, recoveredFrom);
    const facts = [
        ['Status', alert.extendedStatus ? `${alert.status} (${alert.extendedStatus})` : alert.status],
        ['Duration', alert.duration],
        ['Trigger', alert.trigger],
        ['Requested', alert.requestedAt],
        ['Tracking id', alert.id],
        ['Before', recoveredFrom === undefined ? undefined : `${recoveredFrom.status} (${recoveredFrom.id})`],
        ['Request id', alert.requestId],
        ['Alert id', alert.alertId],
    ].filter((fact): fact is [string, string] => fact[1] !== undefined);
    return {
        type: 'message',
        attachments: [
            {
                contentType: 'application/vnd.microsoft.card.adaptive',
                contentUrl: null,
                content: {
                    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
                    type: 'AdaptiveCard',
                    version: '1.4',
                    body: [
                        {
                            type: 'TextBlock',
                            text: `Power BI refresh of ${record.target}: ${record.status}${recoveredFrom ? ' (back to normal)' : ''}`,
                            weight: 'Bolder',
                            size: 'Medium',
                            color: record.status === 'Completed' ? 'Good' : 'Attention',
                            wrap: true,
                        },
                        ...alert.errors
                            .slice(0, 5)
                            .map((error) => ({ type: 'TextBlock', text: error.slice(0, 500), wrap: true })),
                        { type: 'FactSet', facts: facts.map(([title, value]) => ({ title, value })) },
                    ],
                },
            },
        ],
    };
}

/** A Slack incoming webhook: `text` is the notification fallback, `blocks` what the channel shows. */
export function toSlackMessage(record: RefreshRecord, recoveredFrom?: RefreshRecord) {
    const alert = toNotification(record, recoveredFrom);
    const errors = alert.errors.slice(0, 5).map((error) => `• ${error.slice(0, 500)}`);
    return {
        text: alert.text.split('\n')[0]!,
        blocks: [
            {
                type: 'section',
                text: {
                    type: 'mrkdwn',
                    text: [
                        `*Power BI refresh of ${record.target}: ${record.status}* after ${alert.duration}`,
                        ...errors,
                    ].join('\n'),
                },
            },
            {
                type: 'context',
                elements: [
                    {
                        type: 'mrkdwn',
                        text: `tracking id ${alert.id}${alert.requestId ? ` · request id ${alert.requestId}` : ''} · alert id ${alert.alertId}`,
                    },
                ],
            },
        ],
    };
}

const payloadOf: Record<NotifyFormat, (record: RefreshRecord, recoveredFrom?: RefreshRecord) => unknown> = {
    json: toNotification,
    teams: toTeamsCard,
    slack: toSlackMessage,
};

export function createRefreshNotifier(
    url: string | undefined,
    options: { format?: NotifyFormat; timeoutMs?: number; fetch?: typeof fetch } = {},
): RefreshNotifier {
    const toPayload = payloadOf[options.format ?? 'json'];
    const fetchImpl = options.fetch ?? fetch;
    return {
        async notify(record, recoveredFrom) {
            if (url === undefined) return { sent: false };
            try {
                const response = await fetchImpl(url, {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/json; charset=utf-8' },
                    body: JSON.stringify(toPayload(record, recoveredFrom)),
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
