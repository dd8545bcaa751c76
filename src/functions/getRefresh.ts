import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { getRefresh } from '../refresh/listRefreshes';
import { toRefreshView } from '../refresh/toRefreshView';
import { answerStorageOutages } from '../runtime/answerStorageOutages';
import { getRelay } from '../runtime/relay';

export async function getRefreshHandler(request: HttpRequest): Promise<HttpResponseInit> {
    const id = request.params.id ?? '';
    const record = await getRefresh(id, getRelay().refresh);
    if (record === undefined)
        return { status: 404, jsonBody: { error: { code: 'RefreshNotFound', message: `No refresh with id "${id}"` } } };
    return { status: 200, jsonBody: toRefreshView(record) };
}

app.http('getRefresh', {
    methods: ['GET'],
    authLevel: 'function',
    route: 'refreshes/{id}',
    handler: answerStorageOutages(getRefreshHandler),
});
