import { isLosslessNumber } from 'lossless-json';
import { z } from 'zod';

/** The scalar types a table column (and a mapping's `datatype`) may have in the emulator. */
export const kustoTypes = ['string', 'long', 'int', 'real', 'decimal', 'bool', 'datetime', 'guid', 'dynamic'] as const;
export const kustoTypeSchema = z.enum(kustoTypes);
export type KustoType = z.infer<typeof kustoTypeSchema>;

/** Kusto's synonyms, accepted in `.create-merge table` and mappings, normalised to the names above. */
const synonyms: Record<string, KustoType> = {
    boolean: 'bool',
    int64: 'long',
    int32: 'int',
    double: 'real',
    date: 'datetime',
    uniqueid: 'guid',
};

export function toKustoType(text: string): KustoType | undefined {
    const lower = text.toLowerCase();
    const parsed = kustoTypeSchema.safeParse(lower);
    return parsed.success ? parsed.data : synonyms[lower];
}

/** `DataType` of a v1 result column and `Type` of `.show table schema as json`. */
export const clrTypeNames: Record<KustoType, { v1: string; clr: string }> = {
    string: { v1: 'String', clr: 'System.String' },
    long: { v1: 'Int64', clr: 'System.Int64' },
    int: { v1: 'Int32', clr: 'System.Int32' },
    real: { v1: 'Double', clr: 'System.Double' },
    decimal: { v1: 'Decimal', clr: 'System.Data.SqlTypes.SqlDecimal' },
    bool: { v1: 'Boolean', clr: 'System.SByte' },
    datetime: { v1: 'DateTime', clr: 'System.DateTime' },
    guid: { v1: 'Guid', clr: 'System.Guid' },
    dynamic: { v1: 'Object', clr: 'System.Object' },
};

export type StoredValue = string | number | boolean | null | object;
export type Conversion = { ok: true; value: StoredValue } | { ok: false; reason: string };

const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const isoDateTime = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)?(?:Z|[+-]\d{2}:\d{2})?$/;
const decimalText = /^-?\d{1,28}(?:\.\d{1,28})?$/;
const longRange = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

/** A whole number beyond ±2^53 that ingestion parsed with its digits (a LosslessNumber), within Int64. */
const isExactLong = (value: unknown): boolean => {
    if (!isLosslessNumber(value) || !/^-?\d+$/.test(value.value)) return false;
    const number = BigInt(value.value);
    return number >= longRange.min && number <= longRange.max;
};

/**
 * Converts one JSON value to a column's type, strictly: the value must already be of the JSON type that carries the
 * column's type (a number for long/int/real, a boolean for bool, an ISO 8601 string for datetime, ...). A missing value
 * or JSON null is stored as null. The service converts more leniently (and ingests values that do not convert as null);
 * the emulator refuses them so a client's mistake shows up as a 400 (README: "Where the emulator differs").
 */
export function toColumnValue(type: KustoType, value: unknown): Conversion {
    if (value === undefined || value === null) return { ok: true, value: null };
    const refuse = (expected: string): Conversion => ({
        ok: false,
        reason: `expected ${expected} for a ${type} column, got ${(isLosslessNumber(value) ? value.value : JSON.stringify(value)).slice(0, 100)}`,
    });
    switch (type) {
        case 'string':
            return typeof value === 'string' ? { ok: true, value } : refuse('a JSON string');
        case 'long':
            // Stored as parsed: a number, or a LosslessNumber (written back with its digits) beyond ±2^53.
            return (typeof value === 'number' && Number.isSafeInteger(value)) || isExactLong(value)
                ? { ok: true, value: value as StoredValue }
                : refuse('a whole JSON number within 64 bits');
        case 'int':
            return typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31
                ? { ok: true, value }
                : refuse('a whole JSON number within 32 bits');
        case 'real': {
            const number = isLosslessNumber(value) ? Number(value.value) : value;
            return typeof number === 'number' && Number.isFinite(number)
                ? { ok: true, value: number }
                : refuse('a JSON number');
        }
        case 'decimal':
            if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value: String(value) };
            if (isLosslessNumber(value)) {
                return decimalText.test(value.value) ? { ok: true, value: value.value } : refuse('a decimal number');
            }
            return typeof value === 'string' && decimalText.test(value)
                ? { ok: true, value }
                : refuse('a JSON number or a decimal string');
        case 'bool':
            return typeof value === 'boolean' ? { ok: true, value } : refuse('true or false');
        case 'datetime': {
            if (typeof value !== 'string' || !isoDateTime.test(value)) return refuse('an ISO 8601 date and time');
            const withZone = /(?:Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value.replace(' ', 'T')}Z`;
            const time = Date.parse(withZone.replace(' ', 'T'));
            return Number.isNaN(time)
                ? refuse('a valid date and time')
                : { ok: true, value: new Date(time).toISOString() };
        }
        case 'guid':
            return typeof value === 'string' && guidPattern.test(value)
                ? { ok: true, value: value.toLowerCase() }
                : refuse('a GUID string');
        case 'dynamic':
            return { ok: true, value: value as StoredValue };
    }
}
