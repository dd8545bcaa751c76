import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import type { ModelRef, RefreshApi } from '../powerbi/refreshApi';

/**
 * Shared (Pro) capacity allows 8 refreshes a day per model, scheduled and API ones together (on-demand
 * button refreshes do not count) [RD][RDATA]. Whether the service's day is a rolling 24 h or a calendar day
 * (and in which time zone) is unconfirmed, as is its error for a ninth (users report a 400): the relay
 * counts a rolling 24 h, the stricter reading, and refuses the ninth itself, before the service must.
 */
export const sharedRefreshesPerDay = 8;
export const dailyRefreshLimitCode = 'DailyRefreshLimit';
const countedTypes: ReadonlySet<string> = new Set(['ViaApi', 'Scheduled']);
const dayMs = 24 * 60 * 60 * 1000;

/**
 * The refusal of a start on shared capacity when the model's refresh history already shows 8 counted
 * refreshes in the last 24 h (those the relay did not start too), with when the next one fits; undefined
 * when it fits, or when the history cannot be read (the service then decides).
 */
export async function sharedQuotaRefusal(
    api: Pick<RefreshApi, 'getRefreshHistory'>,
    model: ModelRef,
    now: Date,
): Promise<(PowerBiFailure & { kind: 'throttled' }) | undefined> {
    const history = await api.getRefreshHistory(model, 60);
    if (!history.ok) return undefined;
    const since = now.getTime() - dayMs;
    const counted = history.value
        .filter((entry) => entry.refreshType !== undefined && countedTypes.has(entry.refreshType))
        .map((entry) => (entry.startTime === undefined ? now.getTime() : Date.parse(entry.startTime)))
        .filter((start) => start > since)
        .sort((a, b) => b - a);
    if (counted.length < sharedRefreshesPerDay) return undefined;
    const nextFitsAt = counted[sharedRefreshesPerDay - 1]! + dayMs;
    return {
        kind: 'throttled',
        status: 429,
        code: dailyRefreshLimitCode,
        retryAfterSeconds: Math.max(1, Math.ceil((nextFitsAt - now.getTime()) / 1000)),
        message: `The model is on shared capacity, which allows ${sharedRefreshesPerDay} refreshes a day (scheduled and API ones together); its refresh history shows ${counted.length} in the last 24 h, so pbi-relay did not start another. The next fits after ${new Date(nextFitsAt).toISOString()}.`,
    };
}
