import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type LocalWorker, type RegisteredFunction } from './localWorker';
import { logExecuted } from './logExecuted';
import type { HostLogger } from './logger';
import type { QueueOutputBinding, QueueOutputSender } from './queueOutputs';
import type { TimerSchedule } from './timerSchedule';

export interface TimerTriggerOptions {
    fn: RegisteredFunction;
    triggerName: string;
    schedule: TimerSchedule;
    runOnStartup: boolean;
    worker: LocalWorker;
    outputs: readonly QueueOutputBinding[];
    outputSender: QueueOutputSender;
    logger: HostLogger;
    /** Default: the real clock and Node's timers. */
    clock?: TimerClock;
}

/** The time and the waits a timer listener runs on: tests drive a schedule with one of their own. */
export interface TimerClock {
    now(): Date;
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
}

export const realTimerClock: TimerClock = {
    now: () => new Date(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Node's setTimeout limit; longer waits are chained. */
const maxTimeoutMs = 2 ** 31 - 1;

/**
 * Runs one timer function on its schedule, one invocation at a time as the host's timer listener
 * does. Occurrences missed while an invocation ran are not replayed: the next run starts at once with
 * `isPastDue: true`. Schedule status lives in memory only (the host's `useMonitor` persists it in
 * blob storage), so a restart forgets past runs.
 */
export class TimerTriggerListener {
    readonly #options: TimerTriggerOptions;
    readonly #clock: TimerClock;
    #timer: unknown;
    #running: Promise<void> | undefined;
    #stopped = false;
    #last: Date | undefined;
    #lastUpdated: Date | undefined;

    constructor(options: TimerTriggerOptions) {
        this.#options = options;
        this.#clock = options.clock ?? realTimerClock;
    }

    start(): void {
        if (this.#options.runOnStartup) {
            this.#run(this.#clock.now(), false);
        } else {
            this.#scheduleAfter(this.#clock.now());
        }
    }

    async stop(): Promise<void> {
        this.#stopped = true;
        this.#clock.clearTimeout(this.#timer);
        await this.#running;
    }

    #scheduleAfter(after: Date): void {
        if (this.#stopped) {
            return;
        }
        const next = this.#options.schedule.next(after);
        if (!next) {
            this.#options.logger({
                level: 'warning',
                category: 'host',
                functionName: this.#options.fn.name,
                message: `Timer schedule "${this.#options.schedule.expression}" has no further occurrences.`,
            });
            return;
        }
        const now = this.#clock.now();
        if (next.getTime() <= now.getTime()) {
            // Missed while the previous invocation ran: run once, now, past due; then go on from now.
            this.#run(now, true);
            return;
        }
        this.#waitUntil(next);
    }

    #waitUntil(occurrence: Date): void {
        const delay = occurrence.getTime() - this.#clock.now().getTime();
        this.#timer = this.#clock.setTimeout(
            () => {
                const now = this.#clock.now();
                if (occurrence.getTime() > now.getTime()) {
                    this.#waitUntil(occurrence);
                    return;
                }
                // Late by a whole occurrence (the process was blocked or asleep).
                const following = this.#options.schedule.next(occurrence);
                this.#run(occurrence, following !== undefined && following.getTime() <= now.getTime());
            },
            Math.min(Math.max(delay, 0), maxTimeoutMs),
        );
    }

    #run(occurrence: Date, isPastDue: boolean): void {
        this.#running = this.#invoke(occurrence, isPastDue).finally(() => {
            this.#running = undefined;
            this.#scheduleAfter(occurrence);
        });
    }

    async #invoke(occurrence: Date, isPastDue: boolean): Promise<void> {
        const { fn, worker, triggerName, schedule } = this.#options;
        const now = this.#clock.now();
        const next = schedule.next(now);
        const timerInfo = {
            Schedule: { AdjustForDST: true },
            ScheduleStatus: {
                Last: (this.#last ?? occurrence).toISOString(),
                Next: next?.toISOString() ?? null,
                LastUpdated: (this.#lastUpdated ?? now).toISOString(),
            },
            IsPastDue: isPastDue,
        };
        this.#last = occurrence;
        this.#lastUpdated = now;
        const invocationId = randomUUID();
        const startedAt = performance.now();
        try {
            const response = await worker.invoke(
                fn,
                { inputData: [{ name: triggerName, data: { json: JSON.stringify(timerInfo) } }], triggerMetadata: {} },
                invocationId,
            );
            await this.#options.outputSender.send(this.#options.outputs, response);
            logExecuted(this.#options.logger, fn.name, invocationId, startedAt);
        } catch (error) {
            logExecuted(this.#options.logger, fn.name, invocationId, startedAt, error);
        }
    }
}
