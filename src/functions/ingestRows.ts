import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { ingestRows } from '../ingest/ingestRows';
import { getRelay } from '../runtime/relay';

export async function ingestRowsHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const dataset = request.params.dataset ?? '';
    const table = request.params.table ?? '';
    const outcome = await ingestRows(
        {
            dataset,
            table,
            contentType: request.headers.get('content-type'),
            contentLength: request.headers.get('content-length'),
            readBody: async () => new Uint8Array(await request.arrayBuffer()),
        },
        getRelay().ingest,
    );
    switch (outcome.kind) {
        case 'accepted':
            context.info('pbi-relay rows accepted', {
                ingestionId: outcome.ingestionId,
                dataset,
                table,
                rows: outcome.rows,
                claimCheck: outcome.claimCheck,
            });
            return { status: 202, jsonBody: { ingestionId: outcome.ingestionId, rows: outcome.rows } };
        case 'rejected': {
            const { status, code, message, rowErrors, invalidRows } = outcome;
            context.warn('pbi-relay rows rejected', { dataset, table, status, code, message, invalidRows });
            return { status, jsonBody: { error: { code, message, ...(rowErrors ? { invalidRows, rowErrors } : {}) } } };
        }
        case 'unavailable':
            context.error('pbi-relay rows not enqueued', { dataset, table, message: outcome.message });
            return {
                status: 503,
                headers: { 'Retry-After': '10' },
                jsonBody: { error: { code: 'StorageUnavailable', message: outcome.message } },
            };
    }
}

app.http('ingestRows', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'datasets/{dataset}/tables/{table}/rows',
    handler: ingestRowsHandler,
});
