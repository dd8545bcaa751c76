import { isSafeNumber, LosslessNumber, parse } from 'lossless-json';
import type { z } from 'zod';
import type { IncomingMessage } from 'node:http';
import { powerBiErrors } from '../errors/powerBiErrors';
import { toBadRequest } from './toBadRequest';

/** Without a run of 16 digits (and points) or an exponent, every number has at most 15 digits and JSON.parse keeps it. */
const mayLoseDigits = /[\d.]{16}|\d[eE]/;

/**
 * The service reads Int64 and Decimal values with all their digits, so a body whose numbers a double cannot hold
 * is parsed by lossless-json (8 times slower than JSON.parse, so only then): such a number becomes a LosslessNumber.
 */
function parseExactly(text: string): unknown {
    if (!mayLoseDigits.test(text)) return JSON.parse(text);
    return parse(text, null, {
        parseNumber: (literal) => (isSafeNumber(literal) ? Number(literal) : new LosslessNumber(literal)),
        onDuplicateKey: ({ newValue }) => newValue,
    });
}

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
