import type { CountedError } from './statusCounters';

interface ErrorFacts {
    status?: number;
    code?: string;
    message: string;
}

/**
 * The error a table's status shows after a delivery (either sink's): why it poisoned its message, or else the failure
 * it last met, at `at`; none when it succeeded.
 */
export function toCountedError(
    poisoned: (ErrorFacts & { at: string }) | undefined,
    failure: ErrorFacts | undefined,
    at: Date,
): CountedError | undefined {
    const source = poisoned ?? failure;
    if (!source) return undefined;
    return {
        at: poisoned?.at ?? at.toISOString(),
        message: source.message,
        ...(source.status !== undefined ? { status: source.status } : {}),
        ...(source.code !== undefined ? { code: source.code } : {}),
    };
}
