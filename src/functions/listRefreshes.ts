import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { listRefreshes } from '../refresh/listRefreshes';
import { listRefreshesQuerySchema } from '../refresh/refreshRequestSchemas';
import { toRefreshView } from '../refresh/toRefreshView';
import { answerStorageOutages } from '../runtime/answerStorageOutages';
import { getRelay } from '../runtime/relay';
import { describeZodError } from '../config/describeZodError';

export async function listRefreshesHandler(request: HttpRequest): Promise<HttpResponseInit> {
    const query = listRefreshesQuerySchema.safeParse({
        dataset: request.query.get('dataset') ?? undefined,
        top: request.query.get('top') ?? undefined,
    });
    if (!query.success) {
        const message = describeZodError(query.error, { root: '(query)' });
        return { status: 400, jsonBody: { error: { code: 'InvalidQuery', message } } };
    }
    const outcome = await listRefreshes({ target: query.data.dataset, top: query.data.top }, getRelay().refresh);
    if (outcome.kind === 'unknownTarget') {
        return {
            status: 404,
            jsonBody: {
                error: {
                    code: 'UnknownTarget',
                    message: `No refresh target "${outcome.target}"`,
                    targets: outcome.targets,
                },
            },
        };
    }
    return { status: 200, jsonBody: { value: outcome.refreshes.map(toRefreshView) } };
}

app.http('listRefreshes', {
    methods: ['GET'],
    authLevel: 'function',
    route: 'refreshes',
    handler: answerStorageOutages(listRefreshesHandler),
});
