import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { listTargets, maxNextRuns } from '../refresh/listTargets';
import { answerStorageOutages } from '../runtime/answerStorageOutages';
import { getRelay } from '../runtime/relay';

const querySchema = z.object({ next: z.coerce.number().int().min(0).max(maxNextRuns).default(5) });

export async function listRefreshTargetsHandler(request: HttpRequest): Promise<HttpResponseInit> {
    const query = querySchema.safeParse({ next: request.query.get('next') ?? undefined });
    if (!query.success) {
        const message = query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
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
