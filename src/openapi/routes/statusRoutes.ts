import { statusReportSchema } from '../../status/statusSchema';
import type { HttpRoute } from '../httpRoute';
import { errorResponse, jsonContent, retryAfterHeader, toJsonSchema } from '../openApiParts';

/** GET /api/status.json: what the status page shows, read from Storage (the same on every instance). */
export const getStatusRoute: HttpRoute = {
    functionName: 'getStatus',
    methods: ['GET'],
    route: 'status.json',
    paths: () => ({
        '/status.json': {
            get: {
                operationId: 'getStatus',
                summary:
                    'Rows, backlog, Power BI budgets, poison messages and refreshes, as the status page shows them',
                tags: ['status'],
                responses: {
                    '200': {
                        description: 'The status, read from the counters, queues, push governor and refresh history',
                        content: jsonContent(toJsonSchema(statusReportSchema, 'output')),
                    },
                    '503': {
                        ...errorResponse('Storage could not be read (StorageUnavailable)'),
                        headers: retryAfterHeader,
                    },
                },
            },
        },
    }),
};

/** GET /api/status: the status page itself, which renders /api/status.json (and passes on `?code=`). */
export const getStatusPageRoute: HttpRoute = {
    functionName: 'getStatusPage',
    methods: ['GET'],
    route: 'status',
    paths: () => ({
        '/status': {
            get: {
                operationId: 'getStatusPage',
                summary: 'The status page (HTML); open it as /api/status?code=<function key> in Azure',
                tags: ['status'],
                responses: {
                    '200': { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } },
                },
            },
        },
    }),
};
