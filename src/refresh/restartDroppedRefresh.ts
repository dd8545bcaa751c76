import type { RefreshDeps } from './refreshDeps';
import type { RestartMessage } from './restartMessage';
import { startRefresh, type StartOutcome } from './startRefresh';

export type RestartOutcome =
    /** The replacement start was made (or refused); the dropped record names it in `restartedAs`. */
    | { kind: 'restarted'; droppedId: string; start: StartOutcome }
    /** A duplicate message, or a record that is gone or no longer a drop to restart; nothing was done. */
    | { kind: 'stale'; id: string; reason: string };

/** Starts the replacement of a dropped refresh once, as its target asks (`restartWhenDropped`). */
export async function restartDroppedRefresh(message: RestartMessage, deps: RefreshDeps): Promise<RestartOutcome> {
    const stored = await deps.history.get(message.target, message.rowKey);
    if (stored === undefined)
        return { kind: 'stale', id: message.id, reason: 'no such refresh in the history (deleted by retention?)' };
    const dropped = stored.record;
    if (dropped.status !== 'Dropped') return { kind: 'stale', id: message.id, reason: `recorded ${dropped.status}` };
    if (dropped.restartedAs !== undefined)
        return { kind: 'stale', id: message.id, reason: `already restarted as ${dropped.restartedAs}` };
    const start = await startRefresh(
        { target: dropped.target, requestedBy: dropped.requestedBy, restartOf: dropped.id },
        deps,
    );
    if (start.kind === 'started' || start.kind === 'attached' || start.kind === 'failed')
        await deps.history.update({ ...dropped, restartedAs: start.record.id }, stored.etag);
    return { kind: 'restarted', droppedId: dropped.id, start };
}
