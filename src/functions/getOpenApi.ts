import { app, type HttpResponseInit } from '@azure/functions';
import { toOpenApiDocument } from '../openapi/toOpenApiDocument';
import { appVersion } from '../runtime/appVersion';
import { getRelay } from '../runtime/relay';

/** The config is loaded once per process, so the document is made once too. */
let document: ReturnType<typeof toOpenApiDocument> | undefined;

export async function getOpenApiHandler(): Promise<HttpResponseInit> {
    document ??= toOpenApiDocument(getRelay().config, appVersion());
    return { status: 200, jsonBody: document };
}

app.http('getOpenApi', {
    methods: ['GET'],
    authLevel: 'function',
    route: 'openapi.json',
    handler: getOpenApiHandler,
});
