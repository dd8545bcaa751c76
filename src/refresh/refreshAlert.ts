import type { RefreshRecord, RefreshStatus } from './refreshRecord';

/**
 * The exact text the Application Insights alert rule (infra) matches; change both together.
 * Service-principal refreshes get no failure mail (notifyOption does not apply to them), so this log line
 * and the optional webhook are how a failure reaches a person.
 */
export const refreshFailedMessage = 'pbi-relay refresh failed';

/** Cancelled too: whoever cancelled it, the model was not refreshed (infra/README.md, "Refresh-failure alert"). */
const alerting: ReadonlySet<RefreshStatus> = new Set(['Failed', 'TimedOut', 'Dropped', 'Cancelled']);

export function isAlerting(status: RefreshStatus): boolean {
    return alerting.has(status);
}

/** The service's own words for why a refresh failed: engine errors, then the exception code, then the relay's error. */
export function errorMessagesOf(record: RefreshRecord): string[] {
    const messages = (record.messages ?? [])
        .filter((message) => message.type?.toLowerCase() !== 'warning')
        .map((message) => [message.code, message.message].filter(Boolean).join(': '))
        .filter((text) => text !== '');
    if (record.serviceExceptionJson) messages.push(record.serviceExceptionJson);
    if (record.error) messages.push([record.error.code, record.error.message].filter(Boolean).join(': '));
    return [...new Set(messages)];
}

/**
 * The alert line. The Functions host does not turn log arguments into customDimensions, so the alert
 * query reads `dataset=<name> status=<status>` from the text; the same facts follow as fields.
 */
export function toAlertMessage(record: RefreshRecord): string {
    const pairs = {
        dataset: record.target,
        status: record.status,
        id: record.id,
        requestId: record.requestId,
        datasetId: record.datasetId,
    };
    const text = Object.entries(pairs)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${value}`)
        .join(' ');
    return `${refreshFailedMessage} ${text}`;
}

/** Structured fields of the outcome log line; `dataset` and `status` are what the alert rule reads. */
export function toAlertFields(record: RefreshRecord): Record<string, unknown> {
    return {
        dataset: record.target,
        status: record.status,
        id: record.id,
        requestId: record.requestId,
        workspaceId: record.workspaceId,
        datasetId: record.datasetId,
        trigger: record.trigger,
        extendedStatus: record.extendedStatus,
        durationSeconds: record.durationSeconds,
        attempts: record.numberOfAttempts,
        polls: record.polls,
        errors: errorMessagesOf(record).join(' | ') || undefined,
    };
}
