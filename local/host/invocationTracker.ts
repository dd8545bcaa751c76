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

    /**
     * Resolves once at most `count` invocations run: one ending is enough to go on, as the Storage extension's
     * QueueListener.WaitForNewBatchThreshold awaits `Task.WhenAny` of the running messages.
     */
    async waitUntilAtMost(count: number): Promise<void> {
        while (this.#running.size > count) {
            await Promise.race([...this.#running].map((work) => work.then(noop, noop)));
        }
    }

    async drain(): Promise<void> {
        await this.waitUntilAtMost(0);
    }
}

const noop = (): void => undefined;
