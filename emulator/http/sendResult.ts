import type { ServerResponse } from 'node:http';
import { stringifyExactly } from './exactJson';

/**
 * Writes a JSON (or empty) response; every answer carries RequestId, as the service's do. Exact numbers are written
 * with their digits by lossless-json, which is slower than JSON.stringify, so only bodies that hold one go through it.
 */
export function sendResult(
    response: ServerResponse,
    requestId: string,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
): void {
    if (response.headersSent || response.destroyed) return;
    const payload = body === undefined ? '' : stringifyExactly(body);
    response.writeHead(status, {
        RequestId: requestId,
        'Access-Control-Expose-Headers': 'RequestId',
        ...(payload === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
        'Content-Length': String(Buffer.byteLength(payload)),
        ...headers,
    });
    response.end(payload);
}
