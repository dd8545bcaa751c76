import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RpcInvocationRequest } from '../../local/host/coreTypes';
import type { LocalWorker, RegisteredFunction } from '../../local/host/localWorker';
import type { QueueOutputSender } from '../../local/host/queueOutputs';
import { parseTimerSchedule } from '../../local/host/timerSchedule';
import { TimerTriggerListener } from '../../local/host/timerTrigger';

interface TimerInfo {
    IsPastDue: boolean;
    ScheduleStatus: { Last: string; Next: string; LastUpdated: string };
}

/** A worker stand-in that records timer inputs; the nth invocation can be made to take a while. */
function fakeWorker(durationsMs: number[] = []): { worker: LocalWorker; calls: { at: string; timer: TimerInfo }[] } {
    const calls: { at: string; timer: TimerInfo }[] = [];
    const worker = {
        async invoke(_fn: RegisteredFunction, request: RpcInvocationRequest) {
            const timer = JSON.parse(request.inputData![0]!.data!.json!) as TimerInfo;
            calls.push({ at: new Date().toISOString(), timer });
            const duration = durationsMs[calls.length - 1] ?? 0;
            if (duration > 0) {
                await new Promise((resolve) => setTimeout(resolve, duration));
            }
            return {};
        },
    };
    return { worker: worker as unknown as LocalWorker, calls };
}

function listener(schedule: string, worker: LocalWorker, runOnStartup = false): TimerTriggerListener {
    return new TimerTriggerListener({
        fn: { name: 'tick' } as RegisteredFunction,
        triggerName: 'timer',
        schedule: parseTimerSchedule(schedule),
        runOnStartup,
        worker,
        outputs: [],
        outputSender: { send: async () => undefined } as unknown as QueueOutputSender,
        logger: () => undefined,
    });
}

describe('TimerTriggerListener', () => {
    beforeEach(() => {
        vi.useFakeTimers();
        vi.setSystemTime(new Date('2024-01-01T00:00:00.000Z'));
    });

    afterEach(() => {
        vi.useRealTimers();
    });

    it('fires at each occurrence with isPastDue false', async () => {
        const { worker, calls } = fakeWorker();
        const timer = listener('*/10 * * * * *', worker);
        timer.start();
        await vi.advanceTimersByTimeAsync(30_000);
        await timer.stop();
        expect(calls.map((c) => [c.at, c.timer.IsPastDue])).toEqual([
            ['2024-01-01T00:00:10.000Z', false],
            ['2024-01-01T00:00:20.000Z', false],
            ['2024-01-01T00:00:30.000Z', false],
        ]);
        expect(calls[1]!.timer.ScheduleStatus).toEqual({
            Last: '2024-01-01T00:00:10.000Z',
            Next: '2024-01-01T00:00:30.000Z',
            LastUpdated: '2024-01-01T00:00:10.000Z',
        });
    });

    it('runs once, past due, for occurrences missed while an invocation ran, then keeps the schedule', async () => {
        const { worker, calls } = fakeWorker([25_000]);
        const timer = listener('*/10 * * * * *', worker);
        timer.start();
        await vi.advanceTimersByTimeAsync(40_000);
        await timer.stop();
        expect(calls.map((c) => [c.at, c.timer.IsPastDue])).toEqual([
            ['2024-01-01T00:00:10.000Z', false],
            ['2024-01-01T00:00:35.000Z', true],
            ['2024-01-01T00:00:40.000Z', false],
        ]);
    });

    it('runs on startup, then on the schedule', async () => {
        const { worker, calls } = fakeWorker();
        const timer = listener('0 * * * * *', worker, true);
        timer.start();
        await vi.advanceTimersByTimeAsync(60_000);
        await timer.stop();
        expect(calls.map((c) => c.at)).toEqual(['2024-01-01T00:00:00.000Z', '2024-01-01T00:01:00.000Z']);
    });

    it('accepts a TimeSpan schedule as a fixed interval', async () => {
        const { worker, calls } = fakeWorker();
        const timer = listener('00:00:05', worker);
        timer.start();
        await vi.advanceTimersByTimeAsync(15_000);
        await timer.stop();
        expect(calls.map((c) => c.at)).toEqual([
            '2024-01-01T00:00:05.000Z',
            '2024-01-01T00:00:10.000Z',
            '2024-01-01T00:00:15.000Z',
        ]);
    });

    it('stops firing after stop()', async () => {
        const { worker, calls } = fakeWorker();
        const timer = listener('* * * * * *', worker);
        timer.start();
        await vi.advanceTimersByTimeAsync(2_000);
        await timer.stop();
        await vi.advanceTimersByTimeAsync(5_000);
        expect(calls).toHaveLength(2);
    });
});
