import type { HttpRoute } from '../httpRoute';

/** GET /api/openapi.json: this document, for the loaded config. */
export const openApiRoute: HttpRoute = {
    functionName: 'getOpenApi',
    methods: ['GET'],
    route: 'openapi.json',
    paths: () => ({
        '/openapi.json': {
            get: {
                operationId: 'getOpenApi',
                summary: 'This OpenAPI 3.1 document, for the loaded config',
                tags: ['meta'],
                responses: {
                    '200': {
                        description: 'The document',
                        content: {
                            'application/json': {
                                schema: { type: 'object', required: ['openapi'] },
                                examples: { document: { value: { openapi: '3.1.1' } } },
                            },
                        },
                    },
                },
            },
        },
    }),
};
