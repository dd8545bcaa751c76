import type { IncomingMessage } from 'node:http';
import { powerBiErrors } from '../errors/powerBiErrors';

/**
 * Reads the whole body, throwing `tooLarge(declaredBytes)` before reading when Content-Length is past `maxBytes`, or
 * `tooLarge()` as soon as the body grows past it; the rest of a refused body is drained so the client reads the answer.
 * Shared by the Power BI and Kusto emulators, each with its own error.
 */
export async function readBoundedBody(
    request: IncomingMessage,
    maxBytes: number,
    tooLarge: (declaredBytes?: number) => Error,
): Promise<Buffer> {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
        request.resume();
        throw tooLarge(declared);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > maxBytes) {
            request.resume();
            throw tooLarge();
        }
        chunks.push(buffer);
    }
    return Buffer.concat(chunks);
}

/** Reads the whole body, answering 413 as soon as it grows past `maxBytes` (16 MB for push requests). */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
    return readBoundedBody(request, maxBytes, (declared) =>
        powerBiErrors.requestTooLarge(
            declared === undefined
                ? `The request body exceeds the limit of ${maxBytes} bytes.`
                : `The request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes.`,
        ),
    );
}
