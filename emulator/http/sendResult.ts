import type { ServerResponse } from 'node:http';

/** Writes a JSON (or empty) response; every answer carries RequestId, as the service's do. */
export function sendResult(
    response: ServerResponse,
    requestId: string,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
): void {
    if (response.headersSent || response.destroyed) return;
    const payload = body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, {
        RequestId: requestId,
        'Access-Control-Expose-Headers': 'RequestId',
        ...(payload === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
        'Content-Length': String(Buffer.byteLength(payload)),
        ...headers,
    });
    response.end(payload);
}
