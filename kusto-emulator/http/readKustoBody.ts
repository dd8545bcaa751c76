import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { readBoundedBody } from '../../emulator/http/readBody';
import { kustoErrors } from '../errors/kustoErrors';

/** Documented: a streaming ingestion request carries at most 4 MB of data. */
export const maxStreamingBytes = 4 * 1024 * 1024;

/**
 * Reads a body of at most `maxBytes` as sent, and again after `Content-Encoding: gzip` is undone (so both the sent and
 * the decoded size are held to the limit); any other encoding is refused. The rest of a refused body is drained so the
 * client reads the answer instead of a reset connection.
 */
export async function readKustoBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
    const encoding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'gzip' && encoding !== 'identity') {
        request.resume();
        throw kustoErrors.unsupportedEncoding(encoding);
    }
    const raw = await readBoundedBody(request, maxBytes, (declared) =>
        kustoErrors.payloadTooLarge(
            maxBytes,
            declared === undefined ? 'request body' : `request body of ${declared} bytes`,
        ),
    );
    if (encoding !== 'gzip') return raw;
    try {
        return gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
            throw kustoErrors.payloadTooLarge(maxBytes, 'decompressed request body');
        }
        throw kustoErrors.badGzip((error as Error).message);
    }
}
