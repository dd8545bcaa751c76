import type { Settings } from '../config/settings';
import { errorMessagesOf } from './refreshAlert';
import type { RefreshRecord } from './refreshRecord';

export interface RefreshNotifier {
    /** False without REFRESH_NOTIFY_URL: no alerts are queued. */
    readonly enabled: boolean;
    /** Posts the alert to the webhook once; never throws. deliverAlert retries what it reports unsent. */
    notify(alert: RefreshAlert): Promise<{ sent: boolean; error?: string }>;
}

/**
 * What an alert is about. outcome: a refresh ended Failed, TimedOut, Dropped or Cancelled; recovery: the
 * first completed refresh after one that alerted (`recoveredFrom`), after the target went stale
 * (`staleSince`) or the completion of a refresh that ran slow (`wasSlow`); stale: no refresh completed for
 * longer than the target's maxAge (`record`: the last one that did, if any); slow: a refresh running
 * longer than its slowAlertFactor × its usual duration.
 */
export interface RefreshAlert {
    kind: 'outcome' | 'recovery' | 'stale' | 'slow';
    alertId: string;
    target: string;
    record?: RefreshRecord;
    recoveredFrom?: RefreshRecord;
    staleSince?: string;
    wasSlow?: boolean;
    maxAgeSeconds?: number;
    usualSeconds?: number;
    runningSeconds?: number;
    raisedAt: string;
}

function formatDuration(seconds: number | undefined): string {
    if (seconds === undefined) return 'unknown';
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = Math.round(seconds % 60);
    return h > 0 ? `${h}h ${m}m ${s}s` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

export type NotifyFormat = Settings['REFRESH_NOTIFY_FORMAT'];

/**
 * The same refresh ends once, so its tracking id and outcome identify the alert: receivers deduplicate by
 * it. A slow refresh alerts once (`<id>:slow`), a stale target once per last completion (`<target>:stale:<since>`).
 */
export const alertIdOf = (record: Pick<RefreshRecord, 'id' | 'status'>) => `${record.id}:${record.status}`;

/** The first line of every format. */
function headlineOf(alert: RefreshAlert): string {
    const { record, target } = alert;
    const duration = formatDuration(record?.durationSeconds);
    switch (alert.kind) {
        case 'outcome':
            return `Power BI refresh of ${target} ended ${record?.status} after ${duration}.`;
        case 'recovery': {
            const before = [
                alert.recoveredFrom && `the one before ended ${alert.recoveredFrom.status}`,
                alert.staleSince && `none had completed since ${alert.staleSince}`,
                alert.wasSlow && 'it ran longer than usual',
            ].filter(Boolean);
            return `Power BI refresh of ${target} is back to normal: ${record?.status} after ${duration}${before.length > 0 ? ` (${before.join('; ')})` : ''}.`;
        }
        case 'stale':
            return `Power BI model ${target} has not refreshed successfully since ${alert.staleSince} (maxAge ${formatDuration(alert.maxAgeSeconds)}).`;
        case 'slow':
            return `Power BI refresh of ${target} has been running ${formatDuration(alert.runningSeconds)}, usually ${formatDuration(alert.usualSeconds)}.`;
    }
}

/**
 * The JSON an incoming webhook receives (REFRESH_NOTIFY_FORMAT json): `text` is what a simple receiver
 * shows; the same facts follow as fields for workflows that build their own card.
 */
export function toNotification(alert: RefreshAlert) {
    const { record, recoveredFrom } = alert;
    const errors = alert.kind === 'outcome' && record ? errorMessagesOf(record) : [];
    const lines = [
        headlineOf(alert),
        ...errors.slice(0, 5).map((error) => `- ${error.slice(0, 500)}`),
        record && `Tracking id ${record.id}${record.requestId ? `, request id ${record.requestId}` : ''}.`,
    ].filter((line): line is string => line !== undefined);
    return {
        alertId: alert.alertId,
        kind: alert.kind,
        text: lines.join('\n'),
        dataset: alert.target,
        status: record?.status,
        extendedStatus: record?.extendedStatus,
        durationSeconds: record?.durationSeconds,
        duration: formatDuration(record?.durationSeconds),
        errors,
        id: record?.id,
        requestId: record?.requestId,
        workspaceId: record?.workspaceId,
        datasetId: record?.datasetId,
        trigger: record?.trigger,
        requestedAt: record?.requestedAt,
        startTime: record?.startTime,
        endTime: record?.endTime,
        recoveredFrom: recoveredFrom === undefined ? undefined : { id: recoveredFrom.id, status: recoveredFrom.status },
        staleSince: alert.staleSince,
        maxAgeSeconds: alert.maxAgeSeconds,
        wasSlow: alert.wasSlow,
        usualSeconds: alert.usualSeconds,
        runningSeconds: alert.runningSeconds,
        raisedAt: alert.raisedAt,
    };
}

/**
 * A Teams Workflows webhook ("When a Teams webhook request is received"; Office 365 connector webhooks are
 * retired) posts the Adaptive Card in `attachments` to the channel.
 */
export function toTeamsCard(refreshAlert: RefreshAlert) {
    const alert = toNotification(refreshAlert);
    const { recoveredFrom } = refreshAlert;
    const good = alert.kind === 'recovery';
    const facts = [
        ['Status', alert.extendedStatus ? `${alert.status} (${alert.extendedStatus})` : alert.status],
        ['Duration', alert.durationSeconds === undefined ? undefined : alert.duration],
        [
            'Running',
            refreshAlert.runningSeconds === undefined ? undefined : formatDuration(refreshAlert.runningSeconds),
        ],
        ['Usually', refreshAlert.usualSeconds === undefined ? undefined : formatDuration(refreshAlert.usualSeconds)],
        ['Last completed', refreshAlert.staleSince],
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
                            text: teamsTitleOf(refreshAlert),
                            weight: 'Bolder',
                            size: 'Medium',
                            color: good ? 'Good' : 'Attention',
                            wrap: true,
                        },
                        ...(alert.kind === 'stale' || alert.kind === 'slow'
                            ? [{ type: 'TextBlock', text: alert.text, wrap: true }]
                            : []),
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

function teamsTitleOf(alert: RefreshAlert): string {
    switch (alert.kind) {
        case 'outcome':
            return `Power BI refresh of ${alert.target}: ${alert.record?.status}`;
        case 'recovery':
            return `Power BI refresh of ${alert.target}: ${alert.record?.status} (back to normal)`;
        case 'stale':
            return `Power BI model ${alert.target}: no successful refresh for too long`;
        case 'slow':
            return `Power BI refresh of ${alert.target}: running longer than usual`;
    }
}

/** A Slack incoming webhook: `text` is the notification fallback, `blocks` what the channel shows. */
export function toSlackMessage(refreshAlert: RefreshAlert) {
    const alert = toNotification(refreshAlert);
    const errors = alert.errors.slice(0, 5).map((error) => `• ${error.slice(0, 500)}`);
    return {
        text: alert.text.split('\n')[0]!,
        blocks: [
            {
                type: 'section',
                text: {
                    type: 'mrkdwn',
                    text: [
                        alert.kind === 'outcome' || alert.kind === 'recovery'
                            ? `*Power BI refresh of ${alert.dataset}: ${alert.status}* after ${alert.duration}`
                            : `*${alert.text}*`,
                        ...errors,
                    ].join('\n'),
                },
            },
            {
                type: 'context',
                elements: [
                    {
                        type: 'mrkdwn',
                        text: [
                            alert.id && `tracking id ${alert.id}`,
                            alert.requestId && `request id ${alert.requestId}`,
                            `alert id ${alert.alertId}`,
                        ]
                            .filter(Boolean)
                            .join(' · '),
                    },
                ],
            },
        ],
    };
}

const payloadOf: Record<NotifyFormat, (alert: RefreshAlert) => unknown> = {
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
        enabled: url !== undefined,
        async notify(alert) {
            if (url === undefined) return { sent: false };
            try {
                const response = await fetchImpl(url, {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/json; charset=utf-8' },
                    body: JSON.stringify(toPayload(alert)),
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
