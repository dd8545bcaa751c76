import type { z } from 'zod';
import type { IncomingMessage } from 'node:http';
import { powerBiErrors } from '../errors/powerBiErrors';
import { parseExactly } from './exactJson';
import { toBadRequest } from './toBadRequest';

/**
 * Parses a JSON body against a zod schema written from the OpenAPI definition.
 * `target` is the operation's body parameter name in the spec (e.g. "dataset", "requestMessage"),
 * used as the `target` of error details. An empty body parses as `undefined` when `optional`; with `exactNumbers`
 * (Add Rows), numbers keep every digit (parseExactly).
 */
export function parseJsonBody<S extends z.ZodType>(
    request: IncomingMessage,
    raw: Buffer,
    schema: S,
    target: string,
    options: { optional?: boolean; exactNumbers?: boolean } = {},
): z.output<S> | undefined {
    const text = raw.toString('utf8');
    if (text.trim() === '') {
        if (options.optional) return undefined;
        throw powerBiErrors.badRequest([{ message: 'A request body is required.', target }]);
    }
    const contentType = request.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(contentType)) throw powerBiErrors.unsupportedMediaType(contentType);
    let json: unknown;
    try {
        json = options.exactNumbers ? parseExactly(text) : JSON.parse(text);
    } catch (error) {
        throw powerBiErrors.invalidJson(target, (error as Error).message);
    }
    const result = schema.safeParse(json);
    if (!result.success) throw toBadRequest(result.error, target);
    return result.data;
}
