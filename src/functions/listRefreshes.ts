import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { listRefreshes, maxTop } from '../refresh/listRefreshes';
import { toRefreshView } from '../refresh/toRefreshView';
import { answerStorageOutages } from '../runtime/answerStorageOutages';
import { getRelay } from '../runtime/relay';

const querySchema = z.object({
    dataset: z.string().min(1).optional(),
    top: z.coerce.number().int().min(1).max(maxTop).default(20),
});

export async function listRefreshesHandler(request: HttpRequest): Promise<HttpResponseInit> {
    const query = querySchema.safeParse({
        dataset: request.query.get('dataset') ?? undefined,
        top: request.query.get('top') ?? undefined,
    });
    if (!query.success) {
        const message = query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
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
