import { isLosslessNumber, type LosslessNumber } from 'lossless-json';
import type { PowerBiErrorDetail } from '../errors/PowerBiError';
import type { StoredColumn } from '../state/StoredEntities';
import { parseDateTime } from './parseDateTime';

/** Int64.MinValue and Int64.MaxValue are not allowed (api-dataset-properties). */
const int64Max = 2n ** 63n - 2n;
const int64Min = -(2n ** 63n) + 1n;
const doubleMax = Number.MAX_VALUE;
const decimalMaxIntegerDigits = 24; // precision 28, scale 4
const decimalMaxScale = 4;

export interface RowValidationResult {
    rows: Record<string, unknown>[];
    errors: PowerBiErrorDetail[];
}

/**
 * Checks each row against the table schema as documented in "Dataset properties"
 * (https://learn.microsoft.com/power-bi/developer/automation/api-dataset-properties) and returns
 * the normalised rows (DateTime quantised to 1/300 s) or the errors, one detail per bad value. Int64 and
 * Decimal values a double cannot hold arrive as LosslessNumbers (parseJsonBody) and are stored as such.
 * Column names are matched case-sensitively; a property that is not a column is an error.
 */
export function validateRows(
    rows: Record<string, unknown>[],
    columns: StoredColumn[],
    maxStringLength: number,
): RowValidationResult {
    const byName = new Map(columns.map((column) => [column.name, column]));
    const errors: PowerBiErrorDetail[] = [];
    const normalised: Record<string, unknown>[] = [];
    rows.forEach((row, index) => {
        const out: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(row)) {
            const column = byName.get(name);
            const target = `rows[${index}].${name}`;
            if (column === undefined) {
                errors.push({ message: `The column '${name}' does not exist in the table.`, target });
                continue;
            }
            if (value === null) {
                out[name] = null;
                continue;
            }
            const problem = checkValue(column, value, maxStringLength);
            if (typeof problem === 'string') errors.push({ message: problem, target });
            else out[name] = problem.value;
        }
        normalised.push(out);
    });
    return { rows: normalised, errors };
}

function checkValue(column: StoredColumn, value: unknown, maxStringLength: number): string | { value: unknown } {
    const expected = `Column '${column.name}' of type ${column.canonicalType}`;
    switch (column.canonicalType) {
        case 'Int64': {
            const integer = toInteger(value);
            if (integer === undefined) return `${expected} requires an integer JSON number, got ${describe(value)}.`;
            if (integer > int64Max || integer < int64Min)
                return `${expected} does not allow Int64.MinValue, Int64.MaxValue or beyond.`;
            return { value };
        }
        case 'Double': {
            const double = isLosslessNumber(value) ? Number(value.value) : value;
            if (typeof double !== 'number') return `${expected} requires a JSON number, got ${describe(value)}.`;
            if (!Number.isFinite(double) || Math.abs(double) >= doubleMax)
                return `${expected} does not allow NaN, infinities, Double.MinValue or Double.MaxValue.`;
            // A Double column holds a double, whatever digits the JSON had.
            return { value: double };
        }
        case 'Boolean':
            if (typeof value !== 'boolean') return `${expected} requires true or false, got ${describe(value)}.`;
            return { value };
        case 'String':
            if (typeof value !== 'string') return `${expected} requires a JSON string, got ${describe(value)}.`;
            if (value.length > maxStringLength)
                return `${expected} allows at most ${maxStringLength} characters, got ${value.length}.`;
            return { value };
        case 'DateTime': {
            if (typeof value !== 'string') return `${expected} requires a date-time string, got ${describe(value)}.`;
            const parsed = parseDateTime(value);
            if (parsed === undefined) return `${expected} could not parse '${value}' as a date-time.`;
            return { value: parsed };
        }
        case 'Decimal': {
            const text = isNumber(value) ? textOf(value) : undefined;
            const shape = text === undefined ? undefined : decimalShape(text);
            if (text === undefined || shape === undefined)
                return `${expected} requires a JSON number, got ${describe(value)}.`;
            if (shape.scale > decimalMaxScale || shape.integerDigits > decimalMaxIntegerDigits)
                return `${expected} allows precision 28 and scale 4, got ${text.slice(0, 60)}.`;
            return { value };
        }
    }
}

const isNumber = (value: unknown): value is number | LosslessNumber =>
    isLosslessNumber(value) || (typeof value === 'number' && Number.isFinite(value));

/** The number as written in the body: a LosslessNumber keeps its text, a double has its shortest. */
const textOf = (value: number | LosslessNumber) => (typeof value === 'number' ? String(value) : value.value);

/** The whole number a JSON number stands for, or undefined when it has a fraction (or is not a number). */
function toInteger(value: unknown): bigint | undefined {
    if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
    const shape = isLosslessNumber(value) ? decimalShape(value.value) : undefined;
    if (shape === undefined || shape.scale > 0) return undefined;
    // Beyond 19 digits is beyond any Int64, and BigInt is not asked to write out a huge exponent.
    if (shape.integerDigits > 19) return 10n ** 19n;
    const [mantissa = '', exponent = '0'] = (value as LosslessNumber).value.toLowerCase().split('e');
    const [integer = '', fraction = ''] = mantissa.split('.');
    const digits = BigInt(`${integer}${fraction}`);
    const power = Number(exponent) - fraction.length;
    return power >= 0 ? digits * 10n ** BigInt(power) : digits / 10n ** BigInt(-power);
}

/**
 * The digits before the point and the decimal places of a JSON number's text, trailing zeros of the fraction not
 * counted (1.50 has scale 1, as the double 1.5 has).
 */
function decimalShape(text: string): { integerDigits: number; scale: number } | undefined {
    const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!match) return undefined;
    const digits = `${match[1] ?? ''}${match[2] ?? ''}`;
    const significant = digits.replace(/^0+/, '');
    if (significant.replace(/0+$/, '') === '') return { integerDigits: 0, scale: 0 };
    const trailing = significant.length - significant.replace(/0+$/, '').length;
    // value = significant × 10^power, without the trailing zeros: stripped × 10^(power + trailing)
    const power = Number(match[3] ?? '0') - (match[2] ?? '').length + trailing;
    const length = significant.length - trailing;
    return { integerDigits: Math.max(0, length + power), scale: Math.max(0, -power) };
}

function describe(value: unknown): string {
    if (Array.isArray(value)) return 'an array';
    if (isLosslessNumber(value))
        return `number ${value.value.length > 40 ? `${value.value.slice(0, 40)}…` : value.value}`;
    if (typeof value === 'string') return `the string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
    return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
