import { isLosslessNumber } from 'lossless-json';
import type { ColumnConfig, TableConfig } from '../config/relayConfig';
import type { DataType } from '../config/dataTypes';
import type { Row, RowValue } from '../queue/row';
import { parseDateTime } from './parseDateTime';
import { readDecimal, toPlainText } from './readDecimal';

export interface RowError {
    row: number;
    column?: string;
    reason: string;
}

/**
 * `droppedColumns` names the properties left out because the table drops unknown columns (`unknownColumns: "drop"`);
 * `exactColumns` the columns where a value is an exact number, which the row holds as a string of its digits.
 */
export type RowsValidation =
    | { ok: true; rows: Row[]; droppedColumns: string[]; exactColumns: string[] }
    | { ok: false; errors: RowError[]; invalidRows: number };

/** Power BI rejects Int64.MinValue/MaxValue and Double.MinValue/MaxValue (api-dataset-properties). */
const int64Max = 2n ** 63n - 2n;
const int64Min = -(2n ** 63n) + 1n;
const int64Digits = 19;
const doubleMax = Number.MAX_VALUE;
const maxStringLength = 4000;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const maxDecimalDigits = 28;
const maxDecimalScale = 4;
/** Keeps an error response readable when a sender posts thousands of bad rows. */
const maxReportedErrors = 1000;

/** `exact`: the value is a number's digits as a string (an Int64 or Decimal a double cannot hold). */
type ValueCheck = { ok: true; value: RowValue; exact?: true } | { ok: false; reason: string };

/** The text of a number as the body wrote it: exact numbers keep theirs (readJsonBody), a double has its shortest. */
function literalOf(value: unknown): string | undefined {
    if (isLosslessNumber(value)) return value.value;
    return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

function checkInt64(value: unknown): ValueCheck {
    if (Number.isSafeInteger(value)) return { ok: true, value: value as number };
    const whole = { ok: false, reason: 'must be a whole JSON number (Int64)' } as const;
    // A number beyond 2^53 that is not exact was computed (a source's mapping): its digits may be lost already.
    if (typeof value === 'number') {
        return Number.isInteger(value)
            ? {
                  ok: false,
                  reason: 'was computed beyond ±2^53, where a double has lost digits; map the value unchanged',
              }
            : whole;
    }
    const decimal = isLosslessNumber(value) ? readDecimal(value.value) : undefined;
    if (decimal === undefined || decimal.scale > 0) return whole;
    const integer = decimal.integerDigits <= int64Digits ? BigInt(toPlainText(decimal)) : undefined;
    if (integer === undefined || integer > int64Max || integer < int64Min) {
        return {
            ok: false,
            reason: `is outside the Int64 range Power BI takes (${int64Min} to ${int64Max}; Int64.MinValue and Int64.MaxValue are not allowed)`,
        };
    }
    return { ok: true, value: integer.toString(), exact: true };
}

function checkDouble(candidate: unknown): ValueCheck {
    // A Double is a double: an exact number becomes the nearest one.
    const value = isLosslessNumber(candidate) ? Number(candidate.value) : candidate;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
        return { ok: false, reason: 'must be a finite JSON number (Double)' };
    }
    if (Math.abs(value) === doubleMax) {
        return { ok: false, reason: 'must not be Double.MaxValue or Double.MinValue' };
    }
    return { ok: true, value };
}

function checkDecimal(value: unknown): ValueCheck {
    const literal = literalOf(value);
    const decimal = literal === undefined ? undefined : readDecimal(literal);
    if (decimal === undefined) {
        return { ok: false, reason: 'must be a finite JSON number (Decimal)' };
    }
    if (decimal.scale > maxDecimalScale) {
        return { ok: false, reason: `has more than ${maxDecimalScale} decimal places (Decimal scale 4)` };
    }
    // Precision 28 with scale 4 leaves 24 digits before the decimal point.
    if (decimal.integerDigits > maxDecimalDigits - maxDecimalScale) {
        return {
            ok: false,
            reason: `has more than ${maxDecimalDigits - maxDecimalScale} digits before the decimal point (Decimal precision 28, scale 4)`,
        };
    }
    // A double keeps its digits in JSON; an exact number travels as the digits it has.
    return typeof value === 'number' ? { ok: true, value } : { ok: true, value: toPlainText(decimal), exact: true };
}

function checkBoolean(value: unknown): ValueCheck {
    return typeof value === 'boolean' ? { ok: true, value } : { ok: false, reason: 'must be true or false (Boolean)' };
}

function checkString(value: unknown): ValueCheck {
    if (typeof value !== 'string') {
        return { ok: false, reason: 'must be a JSON string (String)' };
    }
    // JSON may escape half of a surrogate pair (\ud800); the rows are UTF-8 on their way to Power BI, which cannot carry it.
    if (loneSurrogate.test(value)) {
        return {
            ok: false,
            reason: 'contains a lone surrogate (\\uD800-\\uDFFF without its pair), which is not Unicode text',
        };
    }
    if (value.length > maxStringLength) {
        return { ok: false, reason: `is ${value.length} characters long; Power BI accepts at most ${maxStringLength}` };
    }
    return { ok: true, value };
}

function checkDateTime(value: unknown): ValueCheck {
    const ms = typeof value === 'string' ? parseDateTime(value) : undefined;
    if (ms === undefined) {
        return {
            ok: false,
            reason: 'must be a real date-time string: ISO 8601 (e.g. 2024-05-01T12:30:00Z) or M/D/YYYY[ h:mm[:ss][ AM|PM]], years 1 to 9999',
        };
    }
    return { ok: true, value: new Date(ms).toISOString() };
}

const checks: Record<DataType, (value: unknown) => ValueCheck> = {
    Int64: checkInt64,
    Double: checkDouble,
    Decimal: checkDecimal,
    Boolean: checkBoolean,
    String: checkString,
    DateTime: checkDateTime,
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks every row against the table's columns the way Power BI's Add Rows would (leaving out properties that
 * are not columns when the table drops them), and normalises DateTime values to UTC. Either every row is valid or the result lists what is wrong with each bad row.
 */
export function validateRows(table: TableConfig, rows: readonly unknown[]): RowsValidation {
    const columns = new Map<string, ColumnConfig>(table.columns.map((column) => [column.name, column]));
    const required = table.columns.filter((column) => column.required);
    const errors: RowError[] = [];
    let invalidRows = 0;
    const normalised: Row[] = [];
    const dropped = new Set<string>();
    const exact = new Set<string>();

    rows.forEach((candidate, index) => {
        const report = (error: RowError) => {
            if (errors.length < maxReportedErrors) errors.push(error);
        };
        if (!isPlainObject(candidate)) {
            report({ row: index, reason: 'must be a JSON object of column names to values' });
            invalidRows += 1;
            return;
        }
        const row: Row = {};
        let rowValid = true;
        for (const [name, value] of Object.entries(candidate)) {
            const column = columns.get(name);
            if (column === undefined && table.unknownColumns === 'drop') {
                dropped.add(name);
                continue;
            }
            if (column === undefined) {
                report({
                    row: index,
                    column: name,
                    reason: `is not a column of table "${table.name}" (names are case-sensitive)`,
                });
                rowValid = false;
                continue;
            }
            if (value === null) {
                if (column.required) {
                    report({ row: index, column: name, reason: 'is required and must not be null' });
                    rowValid = false;
                } else {
                    row[name] = null;
                }
                continue;
            }
            const check = checks[column.dataType](value);
            if (check.ok) {
                row[name] = check.value;
                if (check.exact) exact.add(name);
            } else {
                report({ row: index, column: name, reason: check.reason });
                rowValid = false;
            }
        }
        for (const column of required) {
            if (!(column.name in candidate)) {
                report({ row: index, column: column.name, reason: 'is required' });
                rowValid = false;
            }
        }
        if (rowValid) {
            normalised.push(row);
        } else {
            invalidRows += 1;
        }
    });

    return invalidRows === 0
        ? { ok: true, rows: normalised, droppedColumns: [...dropped].sort(), exactColumns: [...exact].sort() }
        : { ok: false, errors, invalidRows };
}
