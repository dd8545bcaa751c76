import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { listTargets } from '../refresh/listTargets';
import { listRefreshTargetsQuerySchema } from '../refresh/refreshRequestSchemas';
import { answerStorageOutages } from '../runtime/answerStorageOutages';
import { getRelay } from '../runtime/relay';
import { describeZodError } from '../config/describeZodError';

export async function listRefreshTargetsHandler(request: HttpRequest): Promise<HttpResponseInit> {
    const query = listRefreshTargetsQuerySchema.safeParse({ next: request.query.get('next') ?? undefined });
    if (!query.success) {
        const message = describeZodError(query.error, { root: '(query)' });
        return { status: 400, jsonBody: { error: { code: 'InvalidQuery', message } } };
    }
    return { status: 200, jsonBody: { value: await listTargets({ nextRuns: query.data.next }, getRelay().refresh) } };
}

app.http('listRefreshTargets', {
    methods: ['GET'],
    authLevel: 'function',
    route: 'refresh-targets',
    handler: answerStorageOutages(listRefreshTargetsHandler),
});
