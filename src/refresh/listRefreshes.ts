import type { RefreshDeps } from './refreshDeps';
import { fromRefreshId } from './refreshKey';
import type { RefreshRecord } from './refreshRecord';
import { findTarget } from './findTarget';

export const maxTop = 500;

export type ListOutcome =
    { kind: 'listed'; refreshes: RefreshRecord[] } | { kind: 'unknownTarget'; target: string; targets: string[] };

/**
 * The history, newest first: one partition read for a target, or the newest of every configured target
 * merged. Records of targets removed from the config stay readable by id until retention deletes them.
 */
export async function listRefreshes(
    query: { target?: string; top: number },
    deps: Pick<RefreshDeps, 'targets' | 'history'>,
): Promise<ListOutcome> {
    const top = Math.min(maxTop, Math.max(1, Math.floor(query.top)));
    if (query.target !== undefined) {
        const target = findTarget(query.target, deps.targets);
        if (target === undefined)
            return { kind: 'unknownTarget', target: query.target, targets: deps.targets.map((t) => t.name) };
        return { kind: 'listed', refreshes: await deps.history.latest(target.name, top) };
    }
    const perTarget = await Promise.all(deps.targets.map((target) => deps.history.latest(target.name, top)));
    const refreshes = perTarget
        .flat()
        .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt))
        .slice(0, top);
    return { kind: 'listed', refreshes };
}

export async function getRefresh(id: string, deps: Pick<RefreshDeps, 'history'>): Promise<RefreshRecord | undefined> {
    const key = fromRefreshId(id);
    if (key === undefined) return undefined;
    return (await deps.history.get(key.target, key.rowKey))?.record;
}
