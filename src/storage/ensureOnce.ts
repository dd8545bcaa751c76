/**
 * Runs a create-if-not-exists step once per process; a failure is not cached, so the next call tries again.
 */
export function ensureOnce(create: () => Promise<unknown>): () => Promise<void> {
    let done: Promise<void> | undefined;
    return () => {
        done ??= create().then(
            () => undefined,
            (error: unknown) => {
                done = undefined;
                throw error;
            },
        );
        return done;
    };
}
