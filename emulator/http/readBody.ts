import type { IncomingMessage } from 'node:http';
import { powerBiErrors } from '../errors/powerBiErrors';

/** Reads the whole body, answering 413 as soon as it grows past `maxBytes` (16 MB for push requests). */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
        request.resume();
        throw powerBiErrors.requestTooLarge(
            `The request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes.`,
        );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > maxBytes) {
            request.resume();
            throw powerBiErrors.requestTooLarge(`The request body exceeds the limit of ${maxBytes} bytes.`);
        }
        chunks.push(buffer);
    }
    return Buffer.concat(chunks);
}
