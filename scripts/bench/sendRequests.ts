import { performance } from 'node:perf_hooks';

export interface SendPlan {
    count: number;
    /** Concurrent senders (each waits for its answer before sending the next). */
    senders: number;
    /** Offered requests per second; undefined sends as fast as the senders get answers. */
    ratePerSecond?: number;
    /** Sends request `index`; resolves true when it was accepted. */
    send(index: number): Promise<boolean>;
    /** Asked before each request: once true, the senders stop (a soak that sends until its faults are done). */
    stop?: () => boolean;
}

export interface SendResult {
    sent: number;
    accepted: number;
    /** Seconds from the first send to the last answer. */
    seconds: number;
    /** Accepted requests per second over the send phase. */
    acceptRate: number;
    p50Ms: number;
    p99Ms: number;
    /** Date.now() of the last accepted answer. */
    lastAcceptedAt: number;
    /** The first failure, if any, for the report. */
    firstFailure?: string;
}

/** Drives `count` requests through `senders` concurrent senders, optionally paced to an offered rate. */
export async function sendRequests(plan: SendPlan): Promise<SendResult> {
    const latencies: number[] = [];
    let accepted = 0;
    let lastAcceptedAt = 0;
    let firstFailure: string | undefined;
    let next = 0;
    let sent = 0;
    const started = performance.now();
    const sender = async () => {
        for (let index = next++; index < plan.count && !plan.stop?.(); index = next++) {
            sent += 1;
            if (plan.ratePerSecond !== undefined) {
                const due = started + (index * 1000) / plan.ratePerSecond;
                const wait = due - performance.now();
                if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
            }
            const sentAt = performance.now();
            try {
                if (await plan.send(index)) {
                    accepted += 1;
                    lastAcceptedAt = Date.now();
                } else {
                    firstFailure ??= `request ${index} was not accepted`;
                }
            } catch (error) {
                firstFailure ??= `request ${index}: ${error instanceof Error ? error.message : String(error)}`;
            }
            latencies.push(performance.now() - sentAt);
        }
    };
    await Promise.all(Array.from({ length: Math.min(plan.senders, plan.count) }, sender));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
    return {
        sent,
        accepted,
        seconds,
        acceptRate: accepted / seconds,
        p50Ms: percentile(0.5),
        p99Ms: percentile(0.99),
        lastAcceptedAt,
        ...(firstFailure !== undefined ? { firstFailure } : {}),
    };
}
