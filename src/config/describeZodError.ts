import type { z } from 'zod';

export interface DescribeOptions {
    /** What an issue about the value itself (an empty path) is said to be about. */
    root?: string;
    /** How a path is named (default: its segments joined with dots). */
    name?: (path: PropertyKey[]) => string;
    /** At most this many issues are named (bounded answers to bad input). */
    max?: number;
}

/**
 * A zod error as one line that names every problem and where (`rows.0.Name: Invalid input; …`): the shape
 * the relay's 400 answers, settings and config errors and the tools' messages share.
 */
export function describeZodError(error: z.ZodError, options: DescribeOptions = {}): string {
    const { root = '(root)', name = (path) => path.map(String).join('.'), max = error.issues.length } = options;
    return error.issues
        .slice(0, max)
        .map((issue) => `${name(issue.path) || root}: ${issue.message}`)
        .join('; ');
}
