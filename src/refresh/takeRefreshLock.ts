import type { ModelRef } from '../powerbi/refreshApi';
import type { RefreshDeps } from './refreshDeps';
import { fromRefreshId } from './refreshKey';
import { isTerminal, type RefreshRecord } from './refreshRecord';

/** A lock whose holder never wrote its record (a crash right after locking) is stale after this long. */
const orphanLockSeconds = 300;

export type LockOutcome =
    | { kind: 'acquired' }
    /** The relay is already following a refresh of this model (single flight). */
    | { kind: 'alreadyRunning'; target: string; runningId: string; running?: RefreshRecord };

/** Takes the model's lock for `record`, or says who holds it; a holder that already ended (or never began) is taken over. */
export async function takeRefreshLock(
    model: ModelRef,
    record: RefreshRecord,
    deps: Pick<RefreshDeps, 'locks' | 'history' | 'now' | 'dropGraceSeconds' | 'poll'>,
): Promise<LockOutcome> {
    const now = deps.now();
    const holder = {
        refreshId: record.id,
        target: record.target,
        acquiredAt: now.toISOString(),
        // Past the deadline the poller has cancelled; the lock outlives it by the drop grace and one poll.
        expiresAt: new Date(
            Date.parse(record.deadline) + (deps.dropGraceSeconds + deps.poll.maxSeconds) * 1000,
        ).toISOString(),
    };
    let result = await deps.locks.acquire(model, holder);
    if (result.kind === 'acquired') return { kind: 'acquired' };
    let running = await holderRecord(result.lock.refreshId, deps);
    const orphaned =
        running === undefined && now.getTime() - Date.parse(result.lock.acquiredAt) > orphanLockSeconds * 1000;
    if (orphaned || (running !== undefined && isTerminal(running.status))) {
        const stale = result.lock.refreshId;
        result = await deps.locks.acquire(model, holder, result.etag);
        if (result.kind === 'acquired') return { kind: 'acquired' };
        if (result.lock.refreshId !== stale) running = await holderRecord(result.lock.refreshId, deps);
    }
    return { kind: 'alreadyRunning', target: record.target, runningId: result.lock.refreshId, running };
}

async function holderRecord(refreshId: string, deps: Pick<RefreshDeps, 'history'>) {
    const key = fromRefreshId(refreshId);
    return key ? (await deps.history.get(key.target, key.rowKey))?.record : undefined;
}
