import { app, type HttpResponseInit } from '@azure/functions';
import { statusPage } from '../status/statusPage';

export async function getStatusPageHandler(): Promise<HttpResponseInit> {
    return {
        status: 200,
        headers: {
            'Content-Type': 'text/html; charset=utf-8',
            'Cache-Control': 'no-store',
            // The page loads nothing from elsewhere; its key stays out of other sites' Referer headers.
            'Content-Security-Policy':
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
            'Referrer-Policy': 'no-referrer',
        },
        body: statusPage(),
    };
}

app.http('getStatusPage', {
    methods: ['GET'],
    authLevel: 'function',
    route: 'status',
    handler: getStatusPageHandler,
});
