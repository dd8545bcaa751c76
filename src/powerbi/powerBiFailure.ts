import { isRestError } from '@azure/core-rest-pipeline';
import { z } from 'zod';

/**
 * Every way a Power BI call can fail, as the rest of the relay needs to know it: wait and retry without
 * counting an attempt (throttled), retry with back-off (transient), fix access (unauthorized), or give up
 * on this request because repeating it cannot succeed (permanent).
 */
export type PowerBiFailure =
    | {
          kind: 'throttled';
          status: number;
          retryAfterSeconds: number;
          code?: string;
          message: string;
          requestId?: string;
      }
    | {
          kind: 'transient';
          status?: number;
          retryAfterSeconds?: number;
          code?: string;
          message: string;
          requestId?: string;
      }
    | { kind: 'unauthorized'; status: number; code?: string; message: string; requestId?: string }
    | { kind: 'permanent'; status: number; code?: string; message: string; requestId?: string };

export const errorBodySchema = z.looseObject({
    error: z.looseObject({
        code: z.string().optional(),
        message: z.string().optional(),
        details: z.array(z.looseObject({ message: z.string().optional(), target: z.string().optional() })).optional(),
    }),
});

/** Used when a 429 carries no usable Retry-After: one minute is the span of the documented request quota. */
const defaultThrottleSeconds = 60;

export function parseRetryAfter(header: string | null | undefined, now: Date = new Date()): number | undefined {
    if (header === null || header === undefined || header.trim() === '') return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

function describe(status: number, bodyText: string): { code?: string; message: string } {
    let json: unknown;
    try {
        json = JSON.parse(bodyText);
    } catch {
        return { message: bodyText.trim() === '' ? `HTTP ${status}` : bodyText.slice(0, 500) };
    }
    const parsed = errorBodySchema.safeParse(json);
    if (!parsed.success) return { message: bodyText.slice(0, 500) };
    const { code, message, details } = parsed.data.error;
    const detail = details
        ?.map((d) => d.message)
        .filter(Boolean)
        .join('; ');
    return { code, message: [message ?? code ?? `HTTP ${status}`, detail].filter(Boolean).join(': ') };
}

/** The one place that decides what a failed Power BI response means. */
export function classifyPowerBiResponse(
    status: number,
    headers: { get(name: string): string | null | undefined },
    bodyText: string,
): PowerBiFailure {
    const { code, message } = describe(status, bodyText);
    const requestId = headers.get('RequestId') ?? headers.get('x-ms-request-id') ?? undefined;
    const retryAfterSeconds = parseRetryAfter(headers.get('Retry-After'));
    if (status === 429) {
        return {
            kind: 'throttled',
            status,
            retryAfterSeconds: retryAfterSeconds ?? defaultThrottleSeconds,
            code,
            message,
            requestId,
        };
    }
    if (status === 408 || status >= 500) {
        return { kind: 'transient', status, retryAfterSeconds, code, message, requestId };
    }
    if (status === 401 || status === 403) {
        return { kind: 'unauthorized', status, code, message, requestId };
    }
    return { kind: 'permanent', status, code, message, requestId };
}

/**
 * What the pipeline threw instead of answering: a timeout (the call's abort signal), a network failure (the
 * SDK's RestError: reset, refused, DNS), both of which may or may not have reached the service; anything
 * else comes from the credential, before a request was sent.
 */
export function classifyRequestError(error: unknown): PowerBiFailure {
    if ((error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError') {
        return { kind: 'transient', message: 'Power BI did not answer in time' };
    }
    if (isRestError(error)) {
        return { kind: 'transient', message: `Power BI could not be reached: ${error.code ?? error.message}` };
    }
    return {
        kind: 'unauthorized',
        status: 401,
        // Not a Power BI answer: the credential itself failed (managed identity endpoint, az login).
        code: 'NoAccessToken',
        message: `No access token: ${(error as Error)?.message ?? String(error)}`,
    };
}

/**
 * What a failed call says about access, for the person setting it up (powerbi-facts.md sections 3 and 5):
 * an expired token (403 TokenExpired), a principal Power BI does not let in (401: the tenant setting, or no
 * role in the workspace), a role too low for the call (other 403s), an id that names nothing the principal
 * can see (404, which can also mean no permission), or a push call on a dataset that is not a push dataset
 * (404 ItemNotFound "Dataset {id} is not Push API dataset.", microsoft/PowerBI-CSharp#105).
 */
export type AccessProblem = 'tokenExpired' | 'notAuthorized' | 'forbidden' | 'notFound' | 'notPushDataset';

export function toAccessProblem(failure: PowerBiFailure): AccessProblem | undefined {
    if (failure.kind === 'unauthorized') {
        if (failure.code === 'TokenExpired') return 'tokenExpired';
        return failure.status === 403 ? 'forbidden' : 'notAuthorized';
    }
    if (failure.kind === 'permanent' && failure.status === 404) {
        return failure.code === 'ItemNotFound' && /not Push API dataset/i.test(failure.message)
            ? 'notPushDataset'
            : 'notFound';
    }
    return undefined;
}
