import { pipeline, Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { parseJsonLosslessly } from './parseJsonLosslessly';

/** A request as the ingest routes read it: headers with lower-case names, and the body as it arrives. */
export interface JsonBodyRequest {
    headers: Record<string, string>;
    /** The body's chunks as they arrive (HTTP streaming), so the limit holds before anything is buffered. */
    body: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | null;
}

export type JsonBodyRejection = { kind: 'rejected'; status: 400 | 413 | 415; code: string; message: string };

/**
 * `json` is the parsed body, numbers a double cannot hold exactly as LosslessNumbers (parseJsonLosslessly), and
 * `exactNumbers` whether it has any; `bytes` is the body after its Content-Encoding is undone, for checks over the raw
 * body (signatures, fingerprints).
 */
export type JsonBody = { kind: 'json'; json: unknown; exactNumbers: boolean; bytes: Uint8Array } | JsonBodyRejection;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The Content-Encoding tokens of RFC 9110 §8.4.1 that Node's zlib decodes; `deflate` is the zlib format there. */
const decoders: Record<string, (() => Transform) | undefined> = {
    gzip: createGunzip,
    'x-gzip': createGunzip,
    br: createBrotliDecompress,
    deflate: createInflate,
    identity: undefined,
};

class TooLarge extends Error {}
/** The sender's side failed (the connection dropped mid-body). */
class BodyNotRead extends Error {}

/** A header value quoted in an answer is cut short, so a long one cannot make the answer long. */
const quote = (value: string) => JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);

function rejected(status: 400 | 413 | 415, code: string, message: string): JsonBodyRejection {
    return { kind: 'rejected', status, code, message };
}

/** The charset parameter of a Content-Type, lower-cased, or undefined when it has none. */
function charsetOf(contentType: string): string | undefined {
    const match = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType);
    return match?.[2]?.toLowerCase();
}

/**
 * The chunks of `source`, failing with TooLarge once they pass `limit` bytes; a failure of the source itself becomes
 * BodyNotRead when it is the request (`fromSender`), and stays what it is when it is a decoder. The rest of an
 * oversized body is left unread rather than cancelled: cancelling the request's stream closes its connection before
 * the 413 can be sent on it (discardRest reads it instead).
 */
async function* counted(chunks: AsyncIterator<Uint8Array> | Iterator<Uint8Array>, limit: number, fromSender: boolean) {
    let total = 0;
    for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
            next = await chunks.next();
        } catch (error) {
            throw fromSender ? new BodyNotRead() : error;
        }
        if (next.done) return;
        total += next.value.byteLength;
        if (total > limit) throw new TooLarge();
        yield next.value;
    }
}

const iterate = (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) =>
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();

/** Reading and discarding the rest of a refused body stops after this many bytes. */
const maxDiscardedBytes = 2 * 1024 ** 3;

/**
 * Reads what is left of a body the relay refuses, holding none of it: an HTTP server that answers before the body is
 * read closes the connection, and the sender's client may then fail on its next write before it reads the answer.
 */
async function discardRest(chunks: AsyncIterator<Uint8Array> | Iterator<Uint8Array>): Promise<void> {
    let discarded = 0;
    try {
        while (discarded <= maxDiscardedBytes) {
            const next = await chunks.next();
            if (next.done) return;
            discarded += next.value.byteLength;
        }
    } catch {
        // The sender gave up; nothing is left to read.
    }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const chunk of source) parts.push(chunk);
    return Buffer.concat(parts);
}

/**
 * Reads a request body of at most `maxBodyBytes` (INGEST_MAX_BODY_BYTES) as UTF-8 JSON, counting while it
 * streams: the bytes received and, for gzip/br/deflate bodies, the bytes they decode to are each held to the
 * limit, so neither a large upload nor a small compressed one that inflates (a decompression bomb) is ever
 * held in memory beyond it.
 */
export async function readJsonBody(request: JsonBodyRequest, maxBodyBytes: number): Promise<JsonBody> {
    const tooLarge = rejected(
        413,
        'RequestTooLarge',
        `The body is larger than ${maxBodyBytes} bytes (INGEST_MAX_BODY_BYTES), before or after its Content-Encoding is undone; split the rows over several requests`,
    );
    const chunks = iterate(request.body ?? []);
    const contentType = request.headers['content-type'] ?? '';
    const charset = charsetOf(contentType);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        await discardRest(chunks);
        return rejected(
            415,
            'UnsupportedCharset',
            `JSON must be UTF-8; the Content-Type says charset=${quote(charset)}`,
        );
    }
    const encodings = (request.headers['content-encoding'] ?? '')
        .split(',')
        .map((token) => token.trim().toLowerCase())
        .filter((token) => token !== '');
    const unknown = encodings.find((token) => !(token in decoders));
    if (unknown !== undefined) {
        await discardRest(chunks);
        return rejected(
            415,
            'UnsupportedContentEncoding',
            `Content-Encoding ${quote(unknown)} is not supported; send gzip, br, deflate or no encoding`,
        );
    }
    const contentLength = request.headers['content-length'];
    if (contentLength !== undefined && Number(contentLength) > maxBodyBytes) {
        await discardRest(chunks);
        return tooLarge;
    }

    const chain = encodings.flatMap((token) => decoders[token] ?? []).reverse();
    let bytes: Uint8Array;
    try {
        if (chain.length === 0) {
            bytes = await collect(counted(chunks, maxBodyBytes, true));
        } else {
            // pipeline carries a decoder's error to the last decoder, whose reader sees it, and destroys the chain
            // when that reader stops early; the callback only keeps the error from being thrown a second time.
            const decoders = chain.map((create) => create());
            pipeline([Readable.from(counted(chunks, maxBodyBytes, true)), ...decoders], () => undefined);
            bytes = await collect(counted(iterate(decoders.at(-1)!), maxBodyBytes, false));
        }
    } catch (error) {
        if (error instanceof BodyNotRead) {
            return rejected(400, 'BodyNotRead', 'The body ended before it was complete; send the request again');
        }
        await discardRest(chunks);
        if (error instanceof TooLarge) return tooLarge;
        // What is left are the decoders' own errors (zlib's Z_DATA_ERROR, brotli's ERR_*).
        return rejected(
            400,
            'InvalidContentEncoding',
            `The body is not valid ${encodings.join(', ')} as its Content-Encoding says`,
        );
    }
    let text: string;
    try {
        text = utf8.decode(bytes);
    } catch {
        return rejected(400, 'InvalidJson', 'The body is not valid UTF-8');
    }
    try {
        return { kind: 'json', ...parseJsonLosslessly(text), bytes };
    } catch (error) {
        // V8's and lossless-json's messages quote at most a few characters of the body around the error.
        return rejected(400, 'InvalidJson', `The body is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
    }
}
