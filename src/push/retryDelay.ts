/**
 * Exponential back-off with jitter for the n-th transient failure (n from 1): between half and all of
 * base·2^(n-1), capped, and never shorter than what the service asked for.
 */
export function retryDelaySeconds(
    attempt: number,
    policy: { baseSeconds: number; maxSeconds: number },
    serviceAskedSeconds = 0,
    random: () => number = Math.random,
): number {
    const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, attempt - 1));
    const jittered = ceiling / 2 + random() * (ceiling / 2);
    return Math.ceil(Math.max(jittered, serviceAskedSeconds));
}
