export interface JsonBodyRequest {
    contentLength: string | null;
    readBody(): Promise<Uint8Array>;
}

export type JsonBodyRejection = { kind: 'rejected'; status: 400 | 413; code: string; message: string };

/** `bytes` is the body as received, for checks over the raw body (webhook signatures). */
export type JsonBody = { kind: 'json'; json: unknown; bytes: Uint8Array } | JsonBodyRejection;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a request body of at most `maxBodyBytes` (INGEST_MAX_BODY_BYTES) as UTF-8 JSON. */
export async function readJsonBody(request: JsonBodyRequest, maxBodyBytes: number): Promise<JsonBody> {
    const tooLarge = {
        kind: 'rejected',
        status: 413,
        code: 'RequestTooLarge',
        message: `The body is larger than ${maxBodyBytes} bytes (INGEST_MAX_BODY_BYTES); split the rows over several requests`,
    } as const;
    if (request.contentLength !== null && Number(request.contentLength) > maxBodyBytes) return tooLarge;
    const body = await request.readBody();
    if (body.byteLength > maxBodyBytes) return tooLarge;
    try {
        return { kind: 'json', json: JSON.parse(utf8.decode(body)), bytes: body };
    } catch (error) {
        return {
            kind: 'rejected',
            status: 400,
            code: 'InvalidJson',
            message: `The body is not valid JSON: ${(error as Error).message}`,
        };
    }
}
