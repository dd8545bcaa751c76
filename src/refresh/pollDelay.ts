export interface PollPolicy {
    minSeconds: number;
    maxSeconds: number;
}

/**
 * Seconds before status check number `poll` (0 = the first after the start): the minimum, doubling with
 * each check up to the maximum, so a short refresh is seen ending soon and an hours-long one costs a
 * check every few minutes. Never past the deadline, when the relay must act.
 */
export function pollDelaySeconds(poll: number, policy: PollPolicy, secondsToDeadline: number): number {
    const backoff = Math.min(policy.maxSeconds, policy.minSeconds * 2 ** Math.min(poll, 30));
    return Math.max(1, Math.min(backoff, Math.ceil(secondsToDeadline)));
}
