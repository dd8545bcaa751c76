import type { RefreshHistory } from './refreshHistory';
import type { RefreshRecord } from './refreshRecord';

/** Recent completed refreshes that set the expectation; a median of a few shrugs off one odd run. */
const sample = 5;

/** The median duration of the target's last completed refreshes, or undefined without any. */
export async function usualDurationSeconds(
    target: string,
    history: Pick<RefreshHistory, 'latest'>,
): Promise<number | undefined> {
    const durations = (await history.latest(target, 20))
        .filter((record) => record.status === 'Completed' && record.durationSeconds !== undefined)
        .slice(0, sample)
        .map((record) => record.durationSeconds!)
        .sort((a, b) => a - b);
    if (durations.length === 0) return undefined;
    const middle = Math.floor(durations.length / 2);
    return durations.length % 2 === 1 ? durations[middle]! : (durations[middle - 1]! + durations[middle]!) / 2;
}

/** Seconds from `now` to when the refresh would usually end (negative once it runs over), if known. */
export function secondsToExpectedEnd(record: RefreshRecord, now: Date): number | undefined {
    if (record.expectedSeconds === undefined) return undefined;
    const began = Date.parse(record.startTime ?? record.requestedAt);
    return (began + record.expectedSeconds * 1000 - now.getTime()) / 1000;
}

/** Seconds the refresh has run at `now` (from the service's start time, else the request). */
export function secondsRunning(record: RefreshRecord, now: Date): number {
    return Math.max(0, (now.getTime() - Date.parse(record.startTime ?? record.requestedAt)) / 1000);
}
