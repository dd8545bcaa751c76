/**
 * A number as its decimal digits: the value is `digits` × 10^`exponent` (no leading or trailing zeros in `digits`,
 * which is empty for zero), with `integerDigits` digits before the point and `scale` after it.
 */
export interface DecimalDigits {
    negative: boolean;
    digits: string;
    exponent: number;
    integerDigits: number;
    scale: number;
}

/** A JSON number literal, or JavaScript's text of a number (`1e+21`). */
const numberLiteral = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * The digits of a number literal, read as text so that none is lost (an exponent too large for a double gives
 * Infinity here, and any limit then refuses it); undefined when it is not a number literal.
 */
export function readDecimal(literal: string): DecimalDigits | undefined {
    const match = numberLiteral.exec(literal);
    if (!match) return undefined;
    const [, sign = '', integer = '', fraction = '', exponentText = '0'] = match;
    const all = integer + fraction;
    const first = all.search(/[1-9]/);
    if (first < 0) return { negative: false, digits: '', exponent: 0, integerDigits: 0, scale: 0 };
    const last = all.length - 1 - [...all].reverse().findIndex((digit) => digit !== '0');
    const digits = all.slice(first, last + 1);
    const exponent = Number(exponentText) - fraction.length + (all.length - 1 - last);
    return {
        negative: sign === '-',
        digits,
        exponent,
        integerDigits: Math.max(0, digits.length + exponent),
        scale: Math.max(0, -exponent),
    };
}

/**
 * The number written out without an exponent (`-0.0001`, `123456789012345678901234`). Only for numbers a limit has
 * already bounded: the text is as long as the number's integer digits and scale.
 */
export function toPlainText({ negative, digits, exponent }: DecimalDigits): string {
    if (digits === '') return '0';
    const sign = negative ? '-' : '';
    if (exponent >= 0) return `${sign}${digits}${'0'.repeat(exponent)}`;
    const point = digits.length + exponent;
    return point > 0
        ? `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
        : `${sign}0.${'0'.repeat(-point)}${digits}`;
}
