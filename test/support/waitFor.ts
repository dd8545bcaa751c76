export interface WaitForOptions {
    /** Give up after this long. Default 10 s. */
    timeoutMs?: number;
    /** Time between checks. Default 20 ms. */
    intervalMs?: number;
    /** Shown in the timeout error. */
    description?: string;
}

/**
 * Polls `check` until it returns a value other than `undefined`, `null` or `false`, and resolves
 * with that value. Errors thrown by `check` count as "not yet"; the last one is reported on timeout.
 */
export async function waitFor<T>(
    check: () => T | Promise<T>,
    options: WaitForOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const intervalMs = options.intervalMs ?? 20;
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await check();
            if (value !== undefined && value !== null && value !== false) {
                return value as Exclude<T, undefined | null | false>;
            }
        } catch (error) {
            lastError = error;
        }
        if (Date.now() >= deadline) {
            const what = options.description ?? 'condition';
            const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
            throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`, { cause: lastError });
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}
