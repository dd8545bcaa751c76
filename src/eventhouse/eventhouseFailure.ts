import { isRestError } from '@azure/core-rest-pipeline';
import { z } from 'zod';
import { parseRetryAfter } from '../powerbi/powerBiFailure';

/**
 * Every way a Kusto (Eventhouse) call can fail, as the relay needs to know it: wait and retry (throttled), retry with
 * back-off (transient), fix access (unauthorized), fix the setup (notFound: database, table or mapping missing, or
 * streaming ingestion not enabled), give up on these rows (permanent), or treat the call as maybe applied
 * (outcomeUnknown: no answer, so the rows may or may not have been committed).
 */
export type EventhouseFailure =
    | {
          kind: 'throttled';
          status: number;
          retryAfterSeconds: number;
          code?: string;
          message: string;
          activityId?: string;
      }
    | { kind: 'transient'; status?: number; code?: string; message: string; activityId?: string }
    | { kind: 'unauthorized'; status: number; code?: string; message: string; activityId?: string }
    | { kind: 'notFound'; status: number; code?: string; message: string; activityId?: string }
    | { kind: 'permanent'; status: number; code?: string; message: string; activityId?: string }
    | { kind: 'outcomeUnknown'; message: string };

/** The one error every Eventhouse client call throws, carrying its classified failure. */
export class EventhouseError extends Error {
    override name = 'EventhouseError';
    constructor(readonly failure: EventhouseFailure) {
        super(failure.message);
    }
}

export const isEventhouseError = (error: unknown): error is EventhouseError => error instanceof EventhouseError;

/** Kusto's OneApiError envelope (field names as the Kusto SDKs read them). */
export const oneApiErrorSchema = z.looseObject({
    error: z.looseObject({
        code: z.string().optional(),
        message: z.string().optional(),
        '@type': z.string().optional(),
        '@message': z.string().optional(),
        '@permanent': z.boolean().optional(),
    }),
});

/** Used when a 429 carries no Retry-After (whether the service sends one is unconfirmed). */
const defaultThrottleSeconds = 10;

function describe(
    status: number,
    headers: { get(name: string): string | null | undefined },
    bodyText: string,
): { code?: string; message: string; permanent?: boolean } {
    let json: unknown;
    try {
        json = JSON.parse(bodyText);
    } catch {
        // A 401 has no body; its reason is in the challenge.
        const challenge = headers.get('WWW-Authenticate');
        const text = bodyText.trim() === '' ? (challenge ?? `HTTP ${status}`) : bodyText.slice(0, 500);
        return { message: text };
    }
    const parsed = oneApiErrorSchema.safeParse(json);
    if (!parsed.success) return { message: bodyText.slice(0, 500) };
    const error = parsed.data.error;
    const detail = error['@message'];
    const message = [error.message ?? error.code ?? `HTTP ${status}`, detail !== error.message ? detail : undefined]
        .filter(Boolean)
        .join(': ');
    return { code: error.code, message, permanent: error['@permanent'] };
}

/** The one place that decides what a failed Kusto response means. */
export function classifyEventhouseResponse(
    status: number,
    headers: { get(name: string): string | null | undefined },
    bodyText: string,
): EventhouseFailure {
    const { code, message, permanent } = describe(status, headers, bodyText);
    const activityId = headers.get('x-ms-activity-id') ?? undefined;
    if (status === 429) {
        const seconds = parseRetryAfter(headers.get('Retry-After'));
        return {
            kind: 'throttled',
            status,
            retryAfterSeconds: seconds ?? defaultThrottleSeconds,
            code,
            message,
            activityId,
        };
    }
    if (status === 401 || status === 403) return { kind: 'unauthorized', status, code, message, activityId };
    if (status === 404) return { kind: 'notFound', status, code, message, activityId };
    // The service marks each error permanent or not; without the mark, 408 and 5xx are worth another try.
    const transient = permanent === undefined ? status === 408 || status >= 500 : !permanent;
    return transient
        ? { kind: 'transient', status, code, message, activityId }
        : { kind: 'permanent', status, code, message, activityId };
}

/**
 * What the pipeline threw instead of answering: a timeout or a dropped connection (the SDK's RestError), after which
 * the request may or may not have been applied; anything else comes from the credential, before a request was sent.
 */
export function classifyEventhouseRequestError(error: unknown): EventhouseFailure {
    if ((error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError') {
        return { kind: 'outcomeUnknown', message: 'The Eventhouse did not answer in time' };
    }
    if (isRestError(error)) {
        return {
            kind: 'outcomeUnknown',
            message: `The Eventhouse could not be reached: ${error.code ?? error.message}`,
        };
    }
    return {
        kind: 'unauthorized',
        status: 401,
        code: 'NoAccessToken',
        message: `No access token: ${(error as Error)?.message ?? String(error)}`,
    };
}
