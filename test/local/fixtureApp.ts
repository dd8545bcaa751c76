import { join } from 'node:path';
import { startLocalHost, type HostLogEntry, type LocalHost } from '../../local/host/startLocalHost';
import type { TimerClock } from '../../local/host/timerTrigger';

export const fixtureAppRoot = join(__dirname, 'fixtures', 'app');

export interface FixtureEvent {
    functionName: string;
    [key: string]: unknown;
}

interface FixtureRecorder {
    events: FixtureEvent[];
}

/** What the fixture app's handlers recorded (they run in this process). */
export function fixtureEvents(functionName?: string): FixtureEvent[] {
    const recorder = (globalThis as { __localHostFixture?: FixtureRecorder }).__localHostFixture;
    const events = recorder?.events ?? [];
    return functionName ? events.filter((e) => e.functionName === functionName) : events;
}

export function clearFixtureEvents(): void {
    const recorder = (globalThis as { __localHostFixture?: FixtureRecorder }).__localHostFixture;
    if (recorder) {
        recorder.events.length = 0;
    }
}

export interface FixtureHost extends LocalHost {
    logs: HostLogEntry[];
}

let queueCounter = 0;

/** Starts the fixture app on a free port with unique queue names, collecting logs. */
export async function startFixtureHost(
    connectionString: string,
    settings: Record<string, string> = {},
    hostJson?: object,
    timerClock?: TimerClock,
    queueLeaseSeconds?: number,
): Promise<FixtureHost & { workQueue: string; rowsQueue: string }> {
    const suffix = `${process.pid}-${++queueCounter}`;
    const workQueue = `work-${suffix}`;
    const rowsQueue = `rows-${suffix}`;
    const logs: HostLogEntry[] = [];
    const host = await startLocalHost({
        appRoot: fixtureAppRoot,
        port: 0,
        settings: {
            StorageConnection: connectionString,
            WORK_QUEUE: workQueue,
            ROWS_QUEUE: rowsQueue,
            // Once a year: the timer tests override it.
            TICK_SCHEDULE: '0 0 0 1 1 *',
            ...settings,
        },
        hostJson,
        logger: (entry) => logs.push(entry),
        timerClock,
        ...(queueLeaseSeconds !== undefined ? { queueLeaseSeconds } : {}),
    });
    return { ...host, logs, workQueue, rowsQueue };
}
