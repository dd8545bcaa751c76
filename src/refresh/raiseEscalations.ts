import { toSeconds, type RefreshTarget } from '../config/refreshTargetSchema';
import { queueAlert, type QueuedAlert } from './queueAlert';
import type { RefreshDeps } from './refreshDeps';
import { secondsRunning } from './usualDuration';

/** Completed refreshes are looked for among this many of the newest; beyond them the watch start counts. */
const lookBack = 50;
/** A slow alert needs the refresh to be at least this far past its usual duration as well as the factor. */
const slowMarginSeconds = 60;

export interface Escalation extends QueuedAlert {
    target: string;
    about: 'stale' | 'slow';
}

/**
 * The minute timer's alerts that no outcome raises: a target with maxAge none of whose refreshes has
 * completed for longer (once per episode: per last completion), and a refresh running longer than
 * slowAlertFactor × its usual duration (once per refresh, noted on its record). Each ends in the "back to
 * normal" alert of the next completed refresh (recordOutcome).
 */
export async function raiseEscalations(deps: RefreshDeps): Promise<Escalation[]> {
    const raised: Escalation[] = [];
    for (const target of deps.targets) {
        if (target.maxAge === undefined && target.slowAlertFactor === undefined) continue;
        const recent = await deps.history.latest(target.name, lookBack);
        if (target.maxAge !== undefined) {
            const alert = await raiseStale(target, toSeconds(target.maxAge), recent, deps);
            if (alert) raised.push({ ...alert, target: target.name, about: 'stale' });
        }
        if (target.slowAlertFactor !== undefined) {
            for (const record of recent.filter((r) => r.status === 'Running' && r.expectedSeconds !== undefined)) {
                const alert = await raiseSlow(record.target, record.rowKey, target.slowAlertFactor, deps);
                if (alert) raised.push({ ...alert, target: target.name, about: 'slow' });
            }
        }
    }
    return raised;
}

async function raiseStale(
    target: RefreshTarget,
    maxAgeSeconds: number,
    recent: Awaited<ReturnType<RefreshDeps['history']['latest']>>,
    deps: RefreshDeps,
): Promise<QueuedAlert | undefined> {
    const now = deps.now();
    const completed = recent.find((record) => record.status === 'Completed');
    const since = completed?.endTime ?? completed?.recordedAt ?? (await deps.episodes.watchingSince(target.name, now));
    if (now.getTime() - Date.parse(since) <= maxAgeSeconds * 1000) return undefined;
    const alertId = `${target.name}:stale:${since}`;
    if (!(await deps.episodes.open(target.name, since, alertId))) return undefined;
    return (
        (await queueAlert(
            {
                alertId,
                about: 'stale',
                target: target.name,
                refreshId: completed?.id,
                staleSince: since,
                maxAgeSeconds,
            },
            deps,
        )) ?? { alertId }
    );
}

async function raiseSlow(
    target: string,
    rowKey: string,
    factor: number,
    deps: RefreshDeps,
): Promise<QueuedAlert | undefined> {
    const stored = await deps.history.get(target, rowKey);
    const record = stored?.record;
    if (stored === undefined || record?.status !== 'Running' || record.expectedSeconds === undefined) return undefined;
    if (record.slowAlertedAt !== undefined) return undefined;
    const now = deps.now();
    const running = secondsRunning(record, now);
    const usual = record.expectedSeconds;
    if (running <= usual * factor || running <= usual + slowMarginSeconds) return undefined;
    // The note on the record is the claim: the ETag lets one tick (of one instance) raise it.
    const written = await deps.history.update({ ...record, slowAlertedAt: now.toISOString() }, stored.etag);
    if (written.kind === 'conflict') return undefined;
    const alertId = `${record.id}:slow`;
    return (
        (await queueAlert(
            {
                alertId,
                about: 'slow',
                target,
                refreshId: record.id,
                usualSeconds: usual,
                runningSeconds: Math.round(running),
            },
            deps,
        )) ?? { alertId }
    );
}
