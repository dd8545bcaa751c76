import type { RelayConfig } from '../config/relayConfig';
import { httpRoutes } from './httpRoutes';
import { toJsonSchema, type PathItem } from './openApiParts';
import {
    acceptedBodySchema,
    errorBodySchema,
    eventGridValidationBodySchema,
    refreshConflictSchema,
    refreshListSchema,
    refreshViewSchema,
    sourceAcceptedBodySchema,
    sourceNoRowsBodySchema,
    targetListSchema,
} from './responseSchemas';

const componentSchemas = {
    ErrorBody: errorBodySchema,
    AcceptedBody: acceptedBodySchema,
    SourceAcceptedBody: sourceAcceptedBodySchema,
    SourceNoRowsBody: sourceNoRowsBodySchema,
    EventGridValidationBody: eventGridValidationBodySchema,
    RefreshView: refreshViewSchema,
    RefreshList: refreshListSchema,
    RefreshConflictBody: refreshConflictSchema,
    TargetList: targetListSchema,
};

/**
 * The OpenAPI 3.1 document of the app's HTTP API for one config: a path per configured table and source
 * with its own row schema and examples. A response example and the request examples of the same name form
 * one documented exchange (test/openapi sends each to the running app).
 */
export function toOpenApiDocument(config: RelayConfig, version: string) {
    const paths: Record<string, PathItem> = {};
    for (const route of httpRoutes) {
        for (const [path, item] of Object.entries(route.paths(config))) paths[path] = { ...paths[path], ...item };
    }
    return {
        openapi: '3.1.1',
        info: {
            title: 'pbi-relay',
            version,
            description:
                'Rows into Power BI push datasets (the Add Rows body, validated against the configured tables), senders with ' +
                'their own JSON mapped to rows, and enhanced refreshes of import models. Every call needs a function key.',
        },
        servers: [{ url: '/api', description: 'The function app (local: http://localhost:7071/api)' }],
        security: [{ functionKey: [] }, { functionKeyQuery: [] }],
        tags: [
            { name: 'rows', description: 'The rows webhook' },
            { name: 'sources', description: 'Senders with their own JSON' },
            { name: 'refreshes', description: 'Enhanced refreshes' },
            { name: 'meta', description: 'This document' },
        ],
        paths,
        components: {
            schemas: Object.fromEntries(
                Object.entries(componentSchemas).map(([name, schema]) => [name, toJsonSchema(schema, 'output')]),
            ),
            securitySchemes: {
                functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
                functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
            },
        },
    };
}
