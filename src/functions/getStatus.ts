import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getRelay } from '../runtime/relay';
import { readStatus } from '../status/readStatus';

export async function getStatusHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    try {
        return { status: 200, headers: { 'Cache-Control': 'no-store' }, jsonBody: await readStatus(getRelay().status) };
    } catch (error) {
        const message = `Storage could not be read: ${(error as Error).message}`;
        context.error('pbi-relay status not read', { message });
        return {
            status: 503,
            headers: { 'Retry-After': '10' },
            jsonBody: { error: { code: 'StorageUnavailable', message } },
        };
    }
}

app.http('getStatus', {
    methods: ['GET'],
    authLevel: 'function',
    route: 'status.json',
    handler: getStatusHandler,
});
