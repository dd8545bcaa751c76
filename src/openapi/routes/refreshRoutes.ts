import {
    listRefreshesQuerySchema,
    listRefreshTargetsQuerySchema,
    requestRefreshBodySchema,
} from '../../refresh/refreshRequestSchemas';
import type { HttpRoute } from '../httpRoute';
import {
    componentRef,
    errorResponse,
    jsonContent,
    queryParameters,
    retryAfterHeader,
    toJsonSchema,
    type Examples,
} from '../openApiParts';

const locationHeader = {
    Location: { description: "The refresh's URL: /api/refreshes/{id}", schema: { type: 'string' } },
};

/** POST /api/refreshes: starts an enhanced refresh of a configured target. */
export const requestRefreshRoute: HttpRoute = {
    functionName: 'requestRefresh',
    methods: ['POST'],
    route: 'refreshes',
    paths: (config) => {
        const target = config.refreshTargets[0]?.name;
        const requests: Examples = {
            unknownTarget: { summary: 'A target that is not configured', value: { target: 'no-such-target' } },
            ...(target === undefined ? {} : { start: { summary: `Refresh ${target}`, value: { target } } }),
        };
        return {
            '/refreshes': {
                post: {
                    operationId: 'requestRefresh',
                    summary: 'Start a refresh of a target',
                    description:
                        'One refresh per model at a time: while one runs, the answer is 409 with its id. The relay ' +
                        'follows the refresh to its end; GET the Location for its status.',
                    tags: ['refreshes'],
                    requestBody: {
                        required: false,
                        content: jsonContent(toJsonSchema(requestRefreshBodySchema, 'input'), requests),
                    },
                    responses: {
                        '202': {
                            description: 'Started',
                            headers: locationHeader,
                            content: jsonContent(componentRef('RefreshView'), {
                                ...(target === undefined
                                    ? {}
                                    : {
                                          start: {
                                              value: {
                                                  id: `${target}~7982456789012`,
                                                  dataset: target,
                                                  workspaceId: 'd3b5e6f0-1c2a-4b7e-9f10-5a6b7c8d9e01',
                                                  trigger: 'manual',
                                                  requestedBy: 'manual',
                                                  status: 'Running',
                                                  requestedAt: '2024-05-01T12:30:00.000Z',
                                                  deadline: '2024-05-01T13:30:00.000Z',
                                                  startAttempts: 1,
                                                  polls: 0,
                                              },
                                          },
                                      }),
                            }),
                        },
                        '400': errorResponse('Not JSON, or no such target', {
                            unknownTarget: ['UnknownTarget', 'No refresh target "no-such-target"; configured: ...'],
                        }),
                        '409': {
                            description: 'A refresh of this model is already running; follow it instead',
                            headers: locationHeader,
                            content: jsonContent(componentRef('RefreshConflictBody')),
                        },
                        '429': errorResponse('The shared capacity daily refresh limit is reached (DailyRefreshLimit)'),
                        '502': errorResponse('Power BI refused the refresh'),
                        '503': {
                            ...errorResponse('Power BI is throttling or unavailable'),
                            headers: retryAfterHeader,
                        },
                    },
                },
            },
        };
    },
};

/** GET /api/refreshes: the refresh history, newest first. */
export const listRefreshesRoute: HttpRoute = {
    functionName: 'listRefreshes',
    methods: ['GET'],
    route: 'refreshes',
    paths: () => ({
        '/refreshes': {
            get: {
                operationId: 'listRefreshes',
                summary: 'List recent refreshes',
                tags: ['refreshes'],
                parameters: queryParameters(listRefreshesQuerySchema, {
                    latest: { top: 5 },
                    badTop: { top: 0 },
                    unknownTarget: { dataset: 'no-such-target' },
                }),
                responses: {
                    '200': {
                        description: 'The refreshes',
                        content: jsonContent(componentRef('RefreshList'), { latest: { value: { value: [] } } }),
                    },
                    '400': errorResponse('A query parameter is out of range', {
                        badTop: ['InvalidQuery', 'top: Too small: expected number to be >=1'],
                    }),
                    '404': errorResponse('No such target', {
                        unknownTarget: ['UnknownTarget', 'No refresh target "no-such-target"'],
                    }),
                },
            },
        },
    }),
};

/** GET /api/refreshes/{id}: one refresh. */
export const getRefreshRoute: HttpRoute = {
    functionName: 'getRefresh',
    methods: ['GET'],
    route: 'refreshes/{id}',
    paths: () => ({
        '/refreshes/{id}': {
            get: {
                operationId: 'getRefresh',
                summary: 'Get one refresh',
                tags: ['refreshes'],
                parameters: [
                    {
                        name: 'id',
                        in: 'path',
                        required: true,
                        description: 'Tracking id, as POST /api/refreshes answered',
                        schema: { type: 'string' },
                        examples: { unknown: { value: 'demo~0000000000000' } },
                    },
                ],
                responses: {
                    '200': { description: 'The refresh', content: jsonContent(componentRef('RefreshView')) },
                    '404': errorResponse('No refresh with this id', {
                        unknown: ['RefreshNotFound', 'No refresh with id "demo~0000000000000"'],
                    }),
                },
            },
        },
    }),
};

/** GET /api/refresh-targets: the configured targets, their schedules and next runs. */
export const listRefreshTargetsRoute: HttpRoute = {
    functionName: 'listRefreshTargets',
    methods: ['GET'],
    route: 'refresh-targets',
    paths: () => ({
        '/refresh-targets': {
            get: {
                operationId: 'listRefreshTargets',
                summary: 'List refresh targets with their next scheduled runs',
                tags: ['refreshes'],
                parameters: queryParameters(listRefreshTargetsQuerySchema, {
                    nextThree: { next: 3 },
                    badNext: { next: -1 },
                }),
                responses: {
                    '200': {
                        description: 'The targets',
                        content: jsonContent(componentRef('TargetList'), {
                            nextThree: { value: { value: [] } },
                        }),
                    },
                    '400': errorResponse('A query parameter is out of range', {
                        badNext: ['InvalidQuery', 'next: Too small: expected number to be >=0'],
                    }),
                },
            },
        },
    }),
};
