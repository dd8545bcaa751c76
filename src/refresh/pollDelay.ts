export interface PollPolicy {
    minSeconds: number;
    maxSeconds: number;
}

/** A check planned for a refresh's usual end comes this long after it, so one check usually suffices. */
const expectedEndMarginSeconds = 2;
/**
 * Without a usual duration (a target's first refreshes) the end is seen within max(60 s, 10 %) of the
 * refresh's length: no check waits longer than a tenth of the time the refresh has run, nor than a minute
 * early on. With the back-off from the minimum that is at most 30 status calls in any hour.
 */
const firstRefreshLatenessSeconds = 60;
const firstRefreshLatenessShare = 0.1;

/**
 * Seconds before status check number `poll` (0 = the first after the start): the minimum, doubling with
 * each check up to the maximum, so a short refresh is seen ending soon and an hours-long one costs a check
 * every few minutes. When earlier refreshes of the target tell how long it usually takes, a check is
 * placed just after the usual end, and a refresh that runs over is backed off again from the minimum, so
 * the end of a routine refresh is seen within seconds instead of up to a full maximum interval late.
 * Without that, the delay stays within a tenth of `secondsRunning` (see firstRefreshLatenessShare).
 * Never past the deadline, when the relay must act.
 */
export function pollDelaySeconds(
    poll: number,
    policy: PollPolicy,
    secondsToDeadline: number,
    secondsToExpectedEnd: number | undefined,
    secondsRunning: number,
): number {
    let delay = Math.min(policy.maxSeconds, policy.minSeconds * 2 ** Math.min(poll, 30));
    if (secondsToExpectedEnd === undefined || !Number.isFinite(secondsToExpectedEnd)) {
        const lateness = Math.max(firstRefreshLatenessSeconds, Math.floor(secondsRunning * firstRefreshLatenessShare));
        delay = Math.min(delay, Math.max(policy.minSeconds, lateness));
    } else {
        delay =
            secondsToExpectedEnd > 0
                ? Math.min(delay, Math.ceil(secondsToExpectedEnd) + expectedEndMarginSeconds)
                : Math.min(delay, Math.max(policy.minSeconds, Math.ceil(-secondsToExpectedEnd)));
    }
    return Math.max(1, Math.min(delay, Math.ceil(secondsToDeadline)));
}
