import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { waitFor } from '../support/waitFor';
import type { TimerClock } from '../../local/host/timerTrigger';
import { clearFixtureEvents, fixtureEvents, startFixtureHost } from './fixtureApp';

interface TickEvent {
    timer: {
        isPastDue: boolean;
        schedule: { adjustForDST: boolean };
        scheduleStatus: { last: string; next: string; lastUpdated: string };
    };
    at: string;
}

/** A clock the test moves: its timeouts fire when `advance` passes their time, never on their own. */
function manualClock(start: Date): TimerClock & { advance(ms: number): Promise<void>; waiting(): number } {
    let now = start.getTime();
    const timeouts = new Map<number, { at: number; callback: () => void }>();
    let nextId = 0;
    return {
        now: () => new Date(now),
        setTimeout: (callback, ms) => {
            nextId += 1;
            timeouts.set(nextId, { at: now + ms, callback });
            return nextId;
        },
        clearTimeout: (handle) => void timeouts.delete(handle as number),
        waiting: () => timeouts.size,
        advance: async (ms) => {
            now += ms;
            for (const [id, timeout] of [...timeouts].sort(([, a], [, b]) => a.at - b.at)) {
                if (timeout.at > now) continue;
                timeouts.delete(id);
                timeout.callback();
            }
        },
    };
}

describe('startLocalHost: timer triggers', () => {
    let azurite: RunningAzurite;
    let host: Awaited<ReturnType<typeof startFixtureHost>> | undefined;

    beforeAll(async () => {
        azurite = await startAzurite();
    });

    afterEach(async () => {
        await host?.close();
        host = undefined;
        clearFixtureEvents();
    });

    afterAll(async () => {
        await azurite?.stop();
    });

    const ticks = (): TickEvent[] => fixtureEvents('tick') as unknown as TickEvent[];

    it('runs on startup with the timer input the library camelCases', async () => {
        host = await startFixtureHost(azurite.connectionString, { TICK_ON_STARTUP: 'true' });
        const [tick] = await waitFor(() => ticks().length > 0 && ticks());
        expect(tick!.timer).toEqual({
            isPastDue: false,
            schedule: { adjustForDST: true },
            scheduleStatus: {
                last: expect.any(String),
                // The fixture's default schedule is once a year, at New Year.
                next: expect.stringMatching(/-01-01T00:00:00\.000Z$/),
                lastUpdated: expect.any(String),
            },
        });
    });

    it('fires on a six-field schedule resolved from a %SETTING% placeholder, at whole seconds', async () => {
        const clock = manualClock(new Date('2024-01-01T00:00:00.400Z'));
        host = await startFixtureHost(azurite.connectionString, { TICK_SCHEDULE: '* * * * * *' }, undefined, clock);
        // Once the singleton lock is taken the listener waits for the next whole second.
        await waitFor(() => clock.waiting() === 1);
        expect(ticks()).toEqual([]);
        await clock.advance(600);
        await waitFor(() => ticks().length === 1 && clock.waiting() === 1);
        await clock.advance(999);
        expect(ticks()).toHaveLength(1);
        await clock.advance(1);
        const fired = await waitFor(() => ticks().length === 2 && ticks());
        expect(fired.map((t) => t.timer.isPastDue)).toEqual([false, false]);
        expect(fired[1]!.timer.scheduleStatus).toEqual({
            last: '2024-01-01T00:00:01.000Z',
            next: '2024-01-01T00:00:03.000Z',
            lastUpdated: '2024-01-01T00:00:01.000Z',
        });
    });

    it('refuses to start when a schedule placeholder has no setting', async () => {
        await expect(startFixtureHost(azurite.connectionString, { TICK_SCHEDULE: '' })).rejects.toThrow(
            /Function "tick" schedule refers to app setting "TICK_SCHEDULE", which is not set/,
        );
        // A failed start undoes what it did to process.env.
        expect(process.env.WORK_QUEUE).toBeUndefined();
    });
});
