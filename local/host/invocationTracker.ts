/** Keeps the promises of running invocations so `close()` can wait for them. */
export class InvocationTracker {
    readonly #running = new Set<Promise<unknown>>();

    get size(): number {
        return this.#running.size;
    }

    track<T>(work: Promise<T>): Promise<T> {
        this.#running.add(work);
        const forget = (): void => {
            this.#running.delete(work);
        };
        work.then(forget, forget);
        return work;
    }

    async drain(): Promise<void> {
        while (this.#running.size > 0) {
            await Promise.allSettled([...this.#running]);
        }
    }
}
