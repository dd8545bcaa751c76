import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import { isRefreshAlreadyRunning } from '../powerbi/isRefreshAlreadyRunning';
import type { EnhancedRefreshRequest, ModelRef } from '../powerbi/refreshApi';
import { retryDelaySeconds } from '../push/retryDelay';
import { attachRunningRefresh, type ServiceRefresh } from './attachRunningRefresh';
import type { RefreshDeps } from './refreshDeps';
import type { RefreshRecord } from './refreshRecord';

/** Back-off between start retries when the service gives no Retry-After. */
const startRetry = { baseSeconds: 2, maxSeconds: 30 };

export type BudgetedStart = { attempts: number } & (
    | { ok: true; refresh: ServiceRefresh }
    /** Refused, or still throttled or failing when the budget ran out. */
    | { ok: false; failure: PowerBiFailure }
);

/**
 * POSTs the refresh, attaching to one the service already runs; throttling and transient failures are
 * retried (Retry-After, else back-off) as long as the next attempt falls within the budget that ends at
 * `budgetEnds`; anything else ends the start at once.
 */
export async function startWithBudget(
    model: ModelRef,
    body: EnhancedRefreshRequest,
    requestedBy: RefreshRecord['trigger'],
    budgetEnds: Date,
    deps: Pick<RefreshDeps, 'api' | 'now' | 'sleep'>,
): Promise<BudgetedStart> {
    for (let attempts = 1; ; attempts += 1) {
        const started = await deps.api.startRefresh(model, body);
        if (started.ok && started.value.refreshId !== undefined)
            return {
                attempts,
                ok: true,
                refresh: { kind: 'started', requestId: started.value.refreshId, trigger: requestedBy },
            };
        let failure: PowerBiFailure;
        if (started.ok || isRefreshAlreadyRunning(started.failure)) {
            const attached = await attachRunningRefresh(
                deps.api,
                model,
                started.ok
                    ? { accepted: true, status: started.status, requestedBy }
                    : { accepted: false, failure: started.failure },
            );
            if (attached.ok) return { attempts, ...attached };
            failure = attached.failure;
        } else {
            failure = started.failure;
        }
        if (failure.kind !== 'throttled' && failure.kind !== 'transient') return { attempts, ok: false, failure };
        const wait =
            failure.kind === 'throttled'
                ? failure.retryAfterSeconds
                : retryDelaySeconds(attempts, startRetry, failure.retryAfterSeconds ?? 0);
        if (deps.now().getTime() + wait * 1000 > budgetEnds.getTime()) return { attempts, ok: false, failure };
        await deps.sleep(wait);
    }
}
