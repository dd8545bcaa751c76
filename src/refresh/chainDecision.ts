import type { RefreshTarget } from '../config/refreshTargetSchema';
import type { RefreshDeps } from './refreshDeps';
import { isTerminal, type RefreshRecord } from './refreshRecord';
import { findTarget } from './findTarget';

export type ChainDecision =
    | { kind: 'wait' }
    /** `upstream`: the refreshes it follows; `trigger`: when the last of them was recorded (its claim key). */
    | { kind: 'start'; upstream: RefreshRecord[]; trigger: Date }
    | { kind: 'blocked'; upstream: RefreshRecord[]; trigger: Date };

const endedAt = (record: RefreshRecord) => Date.parse(record.recordedAt ?? record.endTime ?? record.requestedAt);

/**
 * Whether a chained target (`after`) is due: its upstream targets' newest outcomes recorded since its own
 * last start decide. allCompleted: every upstream completed starts it, any other outcome blocks it;
 * anyCompleted: one completed starts it, all failing blocks it. While its own refresh runs it waits.
 */
export async function chainDecision(
    target: RefreshTarget & { after: string[] },
    deps: Pick<RefreshDeps, 'history' | 'targets'>,
): Promise<ChainDecision> {
    const [own] = await deps.history.latest(target.name, 1);
    if (own !== undefined && !isTerminal(own.status)) return { kind: 'wait' };
    const since = own === undefined ? -Infinity : Date.parse(own.requestedAt);
    const newest = await Promise.all(
        target.after.map(async (name) => {
            const upstream = findTarget(name, deps.targets);
            if (upstream === undefined) return undefined;
            const records = await deps.history.latest(upstream.name, 10);
            return records.find((record) => isTerminal(record.status) && endedAt(record) > since);
        }),
    );
    const ended = newest.filter((record) => record !== undefined);
    const completed = ended.filter((record) => record.status === 'Completed');
    const failed = ended.filter((record) => record.status !== 'Completed');
    const trigger = (records: RefreshRecord[]) => new Date(Math.max(...records.map(endedAt)));
    if (target.afterMode === 'anyCompleted') {
        if (completed.length > 0) return { kind: 'start', upstream: completed, trigger: trigger(completed) };
        if (failed.length === target.after.length)
            return { kind: 'blocked', upstream: failed, trigger: trigger(failed) };
        return { kind: 'wait' };
    }
    if (failed.length > 0) return { kind: 'blocked', upstream: failed, trigger: trigger(failed) };
    if (completed.length === target.after.length)
        return { kind: 'start', upstream: completed, trigger: trigger(completed) };
    return { kind: 'wait' };
}
