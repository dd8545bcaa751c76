import { performance } from 'node:perf_hooks';
import { describeError, InvocationError } from './localWorker';
import type { HostLogger } from './logger';

/**
 * Logs the end of an invocation the way `func start` does: "Executed 'name' (Succeeded|Failed,
 * Id=..., Duration=...ms)", at information on success and error on failure. `startedAt` is a
 * `performance.now()` reading.
 */
export function logExecuted(
    logger: HostLogger,
    functionName: string,
    invocationId: string,
    startedAt: number,
    error?: unknown,
): void {
    const duration = Math.round(performance.now() - startedAt);
    const outcome = error === undefined ? 'Succeeded' : 'Failed';
    const reason = error instanceof InvocationError ? describeError(error.cause) : describeError(error);
    logger({
        level: error === undefined ? 'information' : 'error',
        category: 'host',
        functionName,
        invocationId,
        message: `Executed '${functionName}' (${outcome}, Id=${invocationId}, Duration=${duration}ms)${error === undefined ? '' : `: ${reason}`}`,
        error: error instanceof InvocationError ? error.cause : error,
    });
}
