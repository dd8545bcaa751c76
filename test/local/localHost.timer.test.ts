import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { waitFor } from '../support/waitFor';
import { clearFixtureEvents, fixtureEvents, startFixtureHost } from './fixtureApp';

interface TickEvent {
    timer: {
        isPastDue: boolean;
        schedule: { adjustForDST: boolean };
        scheduleStatus: { last: string; next: string; lastUpdated: string };
    };
    at: string;
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
        host = await startFixtureHost(azurite.connectionString, { TICK_SCHEDULE: '* * * * * *' });
        const fired = await waitFor(() => ticks().length >= 2 && ticks(), { timeoutMs: 5_000 });
        const [first, second] = fired.map((t) => new Date(t.at).getTime());
        expect(second! - first!).toBeGreaterThanOrEqual(900);
        expect(fired.every((t) => t.timer.isPastDue === false)).toBe(true);
        expect(new Date(fired[1]!.timer.scheduleStatus.last).getUTCMilliseconds()).toBe(0);
    });

    it('refuses to start when a schedule placeholder has no setting', async () => {
        await expect(startFixtureHost(azurite.connectionString, { TICK_SCHEDULE: '' })).rejects.toThrow(
            /Function "tick" schedule refers to app setting "TICK_SCHEDULE", which is not set/,
        );
        // A failed start undoes what it did to process.env.
        expect(process.env.WORK_QUEUE).toBeUndefined();
    });
});
