const minuteMs = 60_000;

/**
 * Execute Queries' documented budget: so many queries a minute per user (service principals count as
 * users), on a window that slides on the emulator clock, so Retry-After is the time until one frees up.
 */
export class QueryThrottle {
    private readonly times = new Map<string, number[]>();

    constructor(private readonly perMinute: () => number) {}

    /** Records the query and returns undefined, or the seconds until the caller may query again. */
    take(principalId: string, nowMs: number): number | undefined {
        const recent = (this.times.get(principalId) ?? []).filter((at) => at > nowMs - minuteMs);
        if (recent.length >= this.perMinute()) {
            this.times.set(principalId, recent);
            return Math.max(1, Math.ceil((recent[0]! + minuteMs - nowMs) / 1000));
        }
        recent.push(nowMs);
        this.times.set(principalId, recent);
        return undefined;
    }
}
