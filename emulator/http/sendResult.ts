import type { ServerResponse } from 'node:http';
import { isLosslessNumber, stringify } from 'lossless-json';

/** Whether `value` holds an exact number (a stored Int64 or Decimal beyond a double), which JSON.stringify cannot write. */
function holdsExactNumber(value: unknown): boolean {
    if (isLosslessNumber(value)) return true;
    if (Array.isArray(value)) return value.some(holdsExactNumber);
    return typeof value === 'object' && value !== null && Object.values(value).some(holdsExactNumber);
}

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
    const payload = body === undefined ? '' : holdsExactNumber(body) ? stringify(body)! : JSON.stringify(body);
    response.writeHead(status, {
        RequestId: requestId,
        'Access-Control-Expose-Headers': 'RequestId',
        ...(payload === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
        'Content-Length': String(Buffer.byteLength(payload)),
        ...headers,
    });
    response.end(payload);
}
