import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { toRetryLaterAnswer } from '../ingest/toResponseBody';
import { getRelay } from '../runtime/relay';
import { readStatus } from '../status/readStatus';

export async function getStatusHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    try {
        return { status: 200, headers: { 'Cache-Control': 'no-store' }, jsonBody: await readStatus(getRelay().status) };
    } catch (error) {
        // The Storage error names the storage host: it goes to the log, not into the answer.
        context.error('pbi-relay status not read', { message: (error as Error).message });
        return toRetryLaterAnswer(503, 'StorageUnavailable', 'Storage could not be read; retry later');
    }
}

app.http('getStatus', {
    methods: ['GET'],
    authLevel: 'function',
    route: 'status.json',
    handler: getStatusHandler,
});
