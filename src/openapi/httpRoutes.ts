import type { HttpRoute } from './httpRoute';
import { ingestRowsRoute } from './routes/ingestRowsRoute';
import { ingestSourceRoute } from './routes/ingestSourceRoute';
import { openApiRoute } from './routes/openApiRoute';
import {
    getRefreshRoute,
    listRefreshesRoute,
    listRefreshTargetsRoute,
    requestRefreshRoute,
} from './routes/refreshRoutes';
import { getStatusPageRoute, getStatusRoute } from './routes/statusRoutes';

/**
 * Every HTTP function of the app, the one list the OpenAPI document is made from. A new HTTP function adds
 * its entry here; test/openapi fails on a registered HTTP function that is missing from this list.
 */
export const httpRoutes: readonly HttpRoute[] = [
    ingestRowsRoute,
    ingestSourceRoute,
    requestRefreshRoute,
    listRefreshesRoute,
    getRefreshRoute,
    listRefreshTargetsRoute,
    getStatusRoute,
    getStatusPageRoute,
    openApiRoute,
];
