import { isLosslessNumber, LosslessNumber } from 'lossless-json';

/** A payload for JSONata, and what gives the rows mapped from it their exact numbers back. */
export interface PlainPayload {
    json: unknown;
    /** Rows whose numbers are the double of one exact number of the payload get that number instead. */
    restore(rows: readonly unknown[]): unknown[];
}

/**
 * The payload with each exact number (a LosslessNumber of readJsonBody) as the nearest double, since JSONata computes
 * in doubles, its paths, comparisons and functions working as before. A row value the mapping took over unchanged is
 * that double again, and `restore` gives it the digits of the payload's number; so does a computed value that comes
 * out at the same double (it differs from the number by less than the double can tell). A double that several
 * numbers of the payload share (two exact ones, or an exact and a plain one) stays a double: which digits it stands
 * for cannot be known.
 */
export function withPlainNumbers(payload: unknown): PlainPayload {
    const digits = new Map<number, string | null>();
    const plain = new Set<number>();
    const walk = (value: unknown): unknown => {
        if (isLosslessNumber(value)) {
            const double = Number(value.value);
            const known = digits.get(double);
            digits.set(double, known === undefined || known === value.value ? value.value : null);
            return double;
        }
        if (typeof value === 'number') plain.add(value);
        else if (Array.isArray(value)) return value.map(walk);
        else if (typeof value === 'object' && value !== null)
            return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]));
        return value;
    };
    const json = walk(payload);
    const exactOf = (value: unknown) => {
        if (typeof value !== 'number' || plain.has(value)) return undefined;
        const text = digits.get(value);
        return typeof text === 'string' ? new LosslessNumber(text) : undefined;
    };
    return {
        json,
        restore: (rows) =>
            rows.map((row) =>
                typeof row === 'object' && row !== null && !Array.isArray(row)
                    ? Object.fromEntries(
                          Object.entries(row).map(([column, value]) => [column, exactOf(value) ?? value]),
                      )
                    : row,
            ),
    };
}
