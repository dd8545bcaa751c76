import type { RefreshDeps } from '../../src/refresh/refreshDeps';
import { startScheduledRefreshes, type ScheduledRun } from '../../src/refresh/startScheduledRefreshes';
import type { RefreshHarness, RelayUnderTest } from './refreshHarness';

/** The timer's tick as the refresh tests drive it. */
const minute = 60_000;

/**
 * Runs the timer once a minute from `from` to `to` (inclusive) on two instances at once, as two
 * Functions instances would, and follows every started refresh to its end between ticks.
 */
export async function tickEveryMinute(
    harness: RefreshHarness,
    relay: RelayUnderTest,
    instances: RefreshDeps[],
    from: string,
    to: string,
) {
    const runs: ScheduledRun[] = [];
    for (let tick = Date.parse(from); tick <= Date.parse(to); tick += minute) {
        if (tick > harness.emulator.clock.now().getTime()) harness.emulator.clock.set(new Date(tick));
        runs.push(...(await Promise.all(instances.map((deps) => startScheduledRefreshes(deps)))));
        await relay.drain();
    }
    return runs;
}

export const startsOf = (runs: ScheduledRun[], target: string) =>
    runs
        .flatMap((run) => run.outcomes)
        .filter((outcome) => outcome.target === target)
        .map((outcome) => `${outcome.kind} ${outcome.slot}`);

export const refreshPosts = async (harness: RefreshHarness, datasetId: string) =>
    (await harness.emulator.requests()).filter(
        (r) => r.method === 'POST' && r.path.endsWith(`/datasets/${datasetId}/refreshes`),
    );
