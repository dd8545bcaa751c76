import { parseArgs, type ParseArgsConfig } from 'node:util';

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
