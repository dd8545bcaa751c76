import type { AlertDelivery } from './deliverAlert';
import type { PollOutcome } from './pollRefresh';
import { isAlerting, toAlertFields, toAlertMessage } from './refreshAlert';
import type { RefreshRecord } from './refreshRecord';
import type { RestartOutcome } from './restartDroppedRefresh';
import type { StartOutcome } from './startRefresh';
import type { QueuedAlert } from './queueAlert';

/** The part of InvocationContext the refresh functions log through. */
export interface RefreshLog {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A terminal outcome, at the level a person on call wants: failed, timed-out, dropped and cancelled refreshes
 * at error level with the text the alert rule matches; disabled ones as warnings.
 */
export function logRecordedRefresh(log: RefreshLog, record: RefreshRecord, notification?: QueuedAlert): void {
    const fields = toAlertFields(record);
    if (isAlerting(record.status)) log.error(toAlertMessage(record), fields);
    else if (record.status === 'Completed') log.info('pbi-relay refresh completed', fields);
    else log.warn(`pbi-relay refresh ended ${record.status}`, fields);
    if (notification?.error)
        log.error('pbi-relay refresh alert not queued', {
            dataset: record.target,
            id: record.id,
            alertId: notification.alertId,
            error: notification.error,
        });
}

export function logAlertDelivery(log: RefreshLog, delivery: AlertDelivery): void {
    switch (delivery.kind) {
        case 'delivered':
            log.info('pbi-relay refresh alert delivered', { alertId: delivery.alertId, attempts: delivery.attempts });
            return;
        case 'retrying':
            log.warn('pbi-relay refresh alert delivery failed', {
                alertId: delivery.alertId,
                attempts: delivery.attempts,
                nextAttemptSeconds: delivery.delaySeconds,
                error: delivery.error,
            });
            return;
        case 'abandoned':
            log.error('pbi-relay refresh alert abandoned', {
                alertId: delivery.alertId,
                attempts: delivery.attempts,
                error: delivery.error,
            });
            return;
        case 'stale':
            log.info('pbi-relay refresh alert skipped', { alertId: delivery.alertId, reason: delivery.reason });
            return;
    }
}

export function logStartOutcome(
    log: RefreshLog,
    outcome: StartOutcome | { kind: 'error'; target: string; message: string },
): void {
    switch (outcome.kind) {
        case 'started':
        case 'attached': {
            const { record } = outcome;
            log.info(`pbi-relay refresh ${outcome.kind}`, {
                dataset: record.target,
                id: record.id,
                requestId: record.requestId,
                trigger: record.trigger,
                startAttempts: record.startAttempts,
                deadline: record.deadline,
            });
            return;
        }
        case 'alreadyRunning':
            log.info('pbi-relay refresh already running', {
                dataset: outcome.target,
                runningId: outcome.runningId,
                requestId: outcome.running?.requestId,
            });
            return;
        case 'failed':
            logRecordedRefresh(log, outcome.record, outcome.notification);
            return;
        case 'unknownTarget':
            log.warn('pbi-relay refresh target unknown', {
                dataset: outcome.target,
                targets: outcome.targets.join(', '),
            });
            return;
        case 'error':
            log.error('pbi-relay refresh start error', { dataset: outcome.target, error: outcome.message });
            return;
    }
}

export function logPollOutcome(log: RefreshLog, outcome: PollOutcome): void {
    switch (outcome.kind) {
        case 'running': {
            const { record, problem } = outcome;
            const fields = {
                dataset: record.target,
                id: record.id,
                requestId: record.requestId,
                extendedStatus: record.extendedStatus,
                polls: record.polls,
                nextCheckSeconds: outcome.delaySeconds,
            };
            if (problem)
                log.warn('pbi-relay refresh status unavailable', {
                    ...fields,
                    kind: problem.kind,
                    status: problem.status,
                    code: problem.code,
                    error: problem.message,
                });
            else log.info('pbi-relay refresh running', fields);
            return;
        }
        case 'recorded':
            logRecordedRefresh(log, outcome.record, outcome.notification);
            return;
        case 'stale':
            log.info('pbi-relay refresh check skipped', { id: outcome.id, reason: outcome.reason });
            return;
    }
}

export function logRestartOutcome(log: RefreshLog, outcome: RestartOutcome): void {
    if (outcome.kind === 'restarted') logStartOutcome(log, outcome.start);
    else log.info('pbi-relay refresh restart skipped', { id: outcome.id, reason: outcome.reason });
}
