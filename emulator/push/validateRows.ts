import type { PowerBiErrorDetail } from '../errors/PowerBiError';
import type { StoredColumn } from '../state/StoredEntities';
import { parseDateTime } from './parseDateTime';

const int64Bound = 2 ** 63;
const doubleMax = Number.MAX_VALUE;
const decimalMaxIntegerDigits = 24; // precision 28, scale 4

export interface RowValidationResult {
    rows: Record<string, unknown>[];
    errors: PowerBiErrorDetail[];
}

/**
 * Checks each row against the table schema as documented in "Dataset properties"
 * (https://learn.microsoft.com/power-bi/developer/automation/api-dataset-properties) and returns
 * the normalised rows (DateTime quantised to 1/300 s) or the errors, one detail per bad value.
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
        case 'Int64':
            if (typeof value !== 'number' || !Number.isInteger(value))
                return `${expected} requires an integer JSON number, got ${describe(value)}.`;
            // Int64.MinValue and Int64.MaxValue are not allowed (both parse to ±2^63 in JSON).
            if (Math.abs(value) >= int64Bound)
                return `${expected} does not allow Int64.MinValue, Int64.MaxValue or beyond.`;
            return { value };
        case 'Double':
            if (typeof value !== 'number') return `${expected} requires a JSON number, got ${describe(value)}.`;
            if (!Number.isFinite(value) || Math.abs(value) >= doubleMax)
                return `${expected} does not allow NaN, infinities, Double.MinValue or Double.MaxValue.`;
            return { value };
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
            if (typeof value !== 'number' || !Number.isFinite(value))
                return `${expected} requires a JSON number, got ${describe(value)}.`;
            const [integerDigits, scale] = decimalShape(value);
            if (scale > 4 || integerDigits > decimalMaxIntegerDigits)
                return `${expected} allows precision 28 and scale 4, got ${value}.`;
            return { value };
        }
    }
}

function decimalShape(value: number): [integerDigits: number, scale: number] {
    const text = Math.abs(value).toString();
    const exponentMatch = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
    if (exponentMatch) {
        const mantissaInt = exponentMatch[1] ?? '';
        const mantissaFraction = exponentMatch[2] ?? '';
        const exponent = Number(exponentMatch[3]);
        const scale = Math.max(0, mantissaFraction.length - exponent);
        const integerDigits = Math.max(0, mantissaInt.length + exponent);
        return [integerDigits, scale];
    }
    const [integerPart = '', fraction = ''] = text.split('.');
    return [integerPart === '0' ? 0 : integerPart.length, fraction.length];
}

function describe(value: unknown): string {
    if (Array.isArray(value)) return 'an array';
    if (typeof value === 'string') return `the string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
    return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
