import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { ingestRows } from '../ingest/ingestRows';
import { toAcceptedBody, toErrorBody, toReplayedAnswer, toRetryLaterAnswer } from '../ingest/toResponseBody';
import { getRelay } from '../runtime/relay';

export async function ingestRowsHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const dataset = request.params.dataset ?? '';
    const table = request.params.table ?? '';
    const outcome = await ingestRows(
        { dataset, table, headers: Object.fromEntries(request.headers), body: request.body },
        getRelay().ingest,
        (error) =>
            context.warn('pbi-relay idempotency key not recorded; a retry after 60 s would be committed again', {
                dataset,
                table,
                message: (error as Error).message,
            }),
    );
    switch (outcome.kind) {
        case 'accepted':
            getRelay().counters.count(dataset, table, { accepted: outcome.rows });
            context.info('pbi-relay rows accepted', {
                ingestionId: outcome.ingestionId,
                dataset,
                table,
                rows: outcome.rows,
                claimCheck: outcome.claimCheck,
                droppedColumns: outcome.droppedColumns,
            });
            return { status: 202, jsonBody: toAcceptedBody(outcome) };
        case 'rejected':
            context.warn('pbi-relay rows rejected', {
                dataset,
                table,
                status: outcome.status,
                code: outcome.code,
                message: outcome.message,
                invalidRows: 'invalidRows' in outcome ? outcome.invalidRows : undefined,
            });
            return { status: outcome.status, jsonBody: toErrorBody(outcome) };
        case 'replayed':
            context.info('pbi-relay rows already accepted under this idempotency key', { dataset, table });
            return toReplayedAnswer(outcome);
        case 'inProgress':
            context.warn('pbi-relay idempotency key in progress elsewhere', { dataset, table });
            return toRetryLaterAnswer(409, 'IdempotencyKeyInProgress', outcome.message);
        case 'unavailable':
            context.error('pbi-relay rows not enqueued', { dataset, table, message: outcome.detail });
            return toRetryLaterAnswer(503, 'StorageUnavailable', outcome.message);
    }
}

app.http('ingestRows', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'datasets/{dataset}/tables/{table}/rows',
    handler: ingestRowsHandler,
});
