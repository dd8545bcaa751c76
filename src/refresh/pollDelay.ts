export interface PollPolicy {
    minSeconds: number;
    maxSeconds: number;
}

/** A check planned for a refresh's usual end comes this long after it, so one check usually suffices. */
const expectedEndMarginSeconds = 2;

/**
 * Seconds before status check number `poll` (0 = the first after the start): the minimum, doubling with
 * each check up to the maximum, so a short refresh is seen ending soon and an hours-long one costs a check
 * every few minutes. When earlier refreshes of the target tell how long it usually takes, a check is
 * placed just after the usual end, and a refresh that runs over is backed off again from the minimum, so
 * the end of a routine refresh is seen within seconds instead of up to a full maximum interval late.
 * Never past the deadline, when the relay must act.
 */
export function pollDelaySeconds(
    poll: number,
    policy: PollPolicy,
    secondsToDeadline: number,
    secondsToExpectedEnd?: number,
): number {
    let delay = Math.min(policy.maxSeconds, policy.minSeconds * 2 ** Math.min(poll, 30));
    if (secondsToExpectedEnd !== undefined && Number.isFinite(secondsToExpectedEnd)) {
        delay =
            secondsToExpectedEnd > 0
                ? Math.min(delay, Math.ceil(secondsToExpectedEnd) + expectedEndMarginSeconds)
                : Math.min(delay, Math.max(policy.minSeconds, Math.ceil(-secondsToExpectedEnd)));
    }
    return Math.max(1, Math.min(delay, Math.ceil(secondsToDeadline)));
}
