import type { PowerBiFailure } from './powerBiFailure';

/**
 * The service accepts one refresh of a model at a time. The enhanced refresh docs now answer a second one
 * with 400 Bad Request (observed body: InvalidRequest "Invalid dataset refresh request. Another refresh
 * request is already executing"); the 2021 docs said 409 Conflict. Both mean "follow the running one".
 * https://learn.microsoft.com/power-bi/connect-data/asynchronous-refresh
 */
export function isRefreshAlreadyRunning(failure: PowerBiFailure): boolean {
    if (failure.kind !== 'permanent') return false;
    if (failure.status === 409) return true;
    return failure.status === 400 && /another refresh request is already executing/i.test(failure.message);
}
