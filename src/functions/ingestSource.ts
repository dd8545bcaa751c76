import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { answerWebhookHandshake } from '../ingest/sources/answerWebhookHandshake';
import { ingestSource } from '../ingest/sources/ingestSource';
import { toAcceptedBody, toErrorBody, toReplayedAnswer, toRetryLaterAnswer } from '../ingest/toResponseBody';
import { getRelay } from '../runtime/relay';
import { countSourceAccepted } from '../status/countSourceAccepted';

function handshake(request: HttpRequest, source: string, context: InvocationContext): HttpResponseInit {
    const answer = answerWebhookHandshake(getRelay().config, source, request.headers.get('webhook-request-origin'));
    if (answer.kind === 'refused') {
        context.warn('pbi-relay source handshake refused', { source, code: answer.code, message: answer.message });
        return { status: answer.status, jsonBody: toErrorBody(answer) };
    }
    context.info('pbi-relay source handshake allowed', { source, origin: answer.origin });
    return { status: 200, headers: { 'WebHook-Allowed-Origin': answer.origin, 'WebHook-Allowed-Rate': '*' } };
}

export async function ingestSourceHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const source = request.params.source ?? '';
    if (request.method === 'OPTIONS') return handshake(request, source, context);
    const outcome = await ingestSource(
        { source, headers: Object.fromEntries(request.headers), body: request.body },
        getRelay().sources,
        (error) =>
            context.warn('pbi-relay idempotency key not recorded; a retry after 60 s would be committed again', {
                source,
                message: (error as Error).message,
            }),
    );
    switch (outcome.kind) {
        case 'accepted': {
            const { ingestionId, rows, events, filtered, duplicates, droppedColumns, unrecordedClaims } = outcome;
            countSourceAccepted(getRelay().counters, getRelay().config, source, outcome.tables);
            context.info('pbi-relay source rows accepted', {
                source,
                ingestionId,
                rows,
                events,
                filtered,
                duplicates,
                claimCheck: outcome.claimCheck,
                tables: outcome.tables.length > 1 ? outcome.tables : undefined,
                droppedColumns,
            });
            if (unrecordedClaims > 0) {
                context.warn('pbi-relay source event ids not recorded; a redelivery would be committed again', {
                    source,
                    ingestionId,
                    unrecordedClaims,
                });
            }
            return { status: 202, jsonBody: { ...toAcceptedBody(outcome), events, filtered, duplicates } };
        }
        case 'nothingToCommit': {
            const { events, filtered, duplicates } = outcome;
            context.info('pbi-relay source request had no new rows', { source, events, filtered, duplicates });
            return { status: 200, jsonBody: { rows: 0, events, filtered, duplicates } };
        }
        case 'eventGridValidation':
            context.info('pbi-relay source Event Grid subscription validated', { source });
            return { status: 200, jsonBody: { validationResponse: outcome.validationCode } };
        case 'rejected':
            context.warn('pbi-relay source request rejected', {
                source,
                status: outcome.status,
                code: outcome.code,
                message: outcome.message,
                invalidRows: 'invalidRows' in outcome ? outcome.invalidRows : undefined,
            });
            return { status: outcome.status, jsonBody: toErrorBody(outcome) };
        case 'replayed':
            context.info('pbi-relay source request already answered under this idempotency key', { source });
            return toReplayedAnswer(outcome);
        case 'inProgress':
            context.warn('pbi-relay source events in progress elsewhere', { source, message: outcome.message });
            return toRetryLaterAnswer(409, 'EventInProgress', outcome.message);
        case 'unavailable':
            context.error('pbi-relay source rows not enqueued', { source, message: outcome.detail });
            return toRetryLaterAnswer(503, 'StorageUnavailable', outcome.message);
    }
}

app.http('ingestSource', {
    methods: ['POST', 'OPTIONS'],
    authLevel: 'function',
    route: 'sources/{source}',
    handler: ingestSourceHandler,
});
