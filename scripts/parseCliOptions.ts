import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad flags or inputs of a CLI: it prints the message with its usage and exits 2. */
export class UsageError extends Error {
    override name = 'UsageError';
}

/** A flag's or setting's value, trimmed; undefined when it is missing or blank. */
export const nonEmpty = (value: string | undefined): string | undefined =>
    value === undefined || value.trim() === '' ? undefined : value.trim();

/**
 * The flags of a CLI that takes no positionals, parsed strictly by node:util's parseArgs; a flag it does not
 * know or a missing value becomes the CLI's own usage error.
 */
export function parseCliOptions<const Options extends NonNullable<ParseArgsConfig['options']>>(
    argv: readonly string[],
    options: Options,
    usageError: (message: string) => Error,
) {
    try {
        return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values;
    } catch (problem) {
        throw usageError((problem as Error).message);
    }
}

/** A flag's value as a whole number of at least `min`, or the CLI's usage error naming the flag. */
export function readWholeNumber(
    value: string | undefined,
    flag: string,
    min: number,
    usageError: (message: string) => Error,
): number {
    const number = Number(value);
    if (value === undefined || !Number.isInteger(number) || number < min)
        throw usageError(`--${flag} must be a whole number of at least ${min}`);
    return number;
}
