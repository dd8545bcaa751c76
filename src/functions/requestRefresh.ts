import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { logStartOutcome } from '../refresh/logRefreshOutcome';
import { requestRefreshBodySchema } from '../refresh/refreshRequestSchemas';
import { startRefresh } from '../refresh/startRefresh';
import { toRefreshView } from '../refresh/toRefreshView';
import { answerStorageOutages } from '../runtime/answerStorageOutages';
import { getRelay } from '../runtime/relay';
import { dailyRefreshLimitCode } from '../refresh/sharedRefreshQuota';
import { describeZodError } from '../config/describeZodError';

export async function requestRefreshHandler(
    request: HttpRequest,
    context: InvocationContext,
): Promise<HttpResponseInit> {
    const text = await request.text();
    let json: unknown = {};
    try {
        json = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
        return {
            status: 400,
            jsonBody: { error: { code: 'InvalidJson', message: 'The body must be JSON: {"target": "<name>"}' } },
        };
    }
    const body = requestRefreshBodySchema.safeParse(json);
    if (!body.success) {
        const message = describeZodError(body.error, { root: '(body)' });
        return { status: 400, jsonBody: { error: { code: 'InvalidRequest', message } } };
    }
    const outcome = await startRefresh({ target: body.data.target, requestedBy: 'manual' }, getRelay().refresh);
    logStartOutcome(context, outcome);
    const location = (id: string) => `/api/refreshes/${encodeURIComponent(id)}`;
    switch (outcome.kind) {
        case 'started':
            return {
                status: 202,
                headers: { Location: location(outcome.record.id) },
                jsonBody: toRefreshView(outcome.record),
            };
        case 'attached':
        case 'alreadyRunning': {
            const id = outcome.kind === 'attached' ? outcome.record.id : outcome.runningId;
            const running = outcome.kind === 'attached' ? outcome.record : outcome.running;
            return {
                status: 409,
                headers: { Location: location(id) },
                jsonBody: {
                    error: {
                        code: 'RefreshAlreadyRunning',
                        message: 'A refresh of this model is already running; follow it instead',
                        id,
                    },
                    running: running ? toRefreshView(running) : undefined,
                },
            };
        }
        case 'failed': {
            const { failure, record } = outcome;
            // The shared-capacity quota is the caller's to wait out (429); the service's own trouble is 503 or 502.
            const status =
                failure.code === dailyRefreshLimitCode
                    ? 429
                    : failure.kind === 'throttled' || failure.kind === 'transient'
                      ? 503
                      : 502;
            return {
                status,
                headers: {
                    Location: location(record.id),
                    ...(failure.kind === 'throttled' ? { 'Retry-After': String(failure.retryAfterSeconds) } : {}),
                },
                jsonBody: {
                    error: {
                        code: failure.code ?? 'RefreshNotStarted',
                        message: failure.message,
                        status: failure.status,
                        id: record.id,
                    },
                },
            };
        }
        case 'unknownTarget': {
            const message =
                outcome.target === undefined
                    ? `Name the target to refresh: {"target": "<name>"}; configured: ${outcome.targets.join(', ') || '(none)'}`
                    : `No refresh target "${outcome.target}"; configured: ${outcome.targets.join(', ') || '(none)'}`;
            return { status: 400, jsonBody: { error: { code: 'UnknownTarget', message, targets: outcome.targets } } };
        }
    }
}

app.http('requestRefresh', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'refreshes',
    handler: answerStorageOutages(requestRefreshHandler),
});
