import type { EngineMessage } from '../schemas/responseSchemas';
import type { StoredRefresh } from '../state/StoredEntities';
import { evictionMessage } from './RefreshScript';

/** Engine messages of a failed attempt: the script's, or the documented eviction error. */
export function failureMessages(refresh: StoredRefresh): EngineMessage[] {
    return refresh.script.messages ?? [evictionMessage];
}

/** serviceExceptionJson of a failed or timed-out attempt, shaped like the spec's failed-refresh example. */
export function serviceExceptionJson(refresh: StoredRefresh, outcome: 'failure' | 'timeout'): string {
    if (refresh.script.serviceExceptionJson !== undefined) return refresh.script.serviceExceptionJson;
    if (outcome === 'timeout') {
        return JSON.stringify({
            errorCode: 'ModelRefresh_ShortMessage_ProcessingError',
            errorDescription: `The refresh attempt exceeded its timeout of ${formatTimeout(refresh.timeoutSeconds)}.`,
        });
    }
    return JSON.stringify({
        errorCode: 'ModelRefresh_ShortMessage_ProcessingError',
        errorDescription: failureMessages(refresh)
            .map((message) => (message.code ? `${message.code}: ${message.message}` : message.message))
            .join('\n'),
    });
}

export function formatTimeout(seconds: number): string {
    const pad = (value: number) => String(value).padStart(2, '0');
    return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}
