import { isLosslessNumber, isSafeNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/** Without a run of 16 digits (and points) or an exponent, every number has at most 15 digits and JSON.parse keeps it. */
const mayLoseDigits = /[\d.]{16}|\d[eE]/;

/**
 * The services (Power BI, Kusto) read Int64 and Decimal values with all their digits, so JSON whose numbers a double
 * cannot hold is parsed by lossless-json (8 times slower than JSON.parse, so only then): such a number becomes a
 * LosslessNumber.
 */
export function parseExactly(text: string): unknown {
    if (!mayLoseDigits.test(text)) return JSON.parse(text);
    return parse(text, null, {
        parseNumber: (literal) => (isSafeNumber(literal) ? Number(literal) : new LosslessNumber(literal)),
        onDuplicateKey: ({ newValue }) => newValue,
    });
}

/** Whether `value` holds an exact number (a stored Int64 or Decimal beyond a double), which JSON.stringify cannot write. */
function holdsExactNumber(value: unknown): boolean {
    if (isLosslessNumber(value)) return true;
    if (Array.isArray(value)) return value.some(holdsExactNumber);
    return typeof value === 'object' && value !== null && Object.values(value).some(holdsExactNumber);
}

/**
 * JSON text of an answer: exact numbers are written with their digits by lossless-json, which is slower than
 * JSON.stringify, so only values that hold one go through it.
 */
export const stringifyExactly = (value: unknown): string =>
    holdsExactNumber(value) ? stringify(value)! : JSON.stringify(value);
