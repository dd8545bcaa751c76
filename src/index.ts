import { app } from '@azure/functions';
import { getRelay } from './runtime/relay';
import { startMetrics, type RunningMetrics } from './telemetry/startMetrics';

// Streamed requests reach the handler as they arrive, so the ingest body limit holds before anything is buffered
// (without it the host hands the worker the whole body, up to its own 100 MB request limit).
app.setup({ enableHttpStream: true });

// Validate settings and the config file while the worker loads the app, so a bad setting stops start-up
// with one message naming it instead of failing the first request.
const { settings } = getRelay();

// The worker runs appStart before the first invocation and appTerminate when the instance shuts down.
let running: RunningMetrics | undefined;
app.hook.appStart(async () => {
    running = await startMetrics(settings);
});
// Counts tallied since the last flush are written, and metrics sent, before the host stops this instance
// (scale-in, restart). The instance stops either way: a failure (Storage gone) is logged, at most a second of counts
// lost. Terminate hooks run inside the host's termination grace period, whose length is not documented: the flush
// gives up after a few seconds rather than wait out every Storage retry.
const shutdownFlushMs = 5_000;
app.hook.appTerminate(async () => {
    const results = await Promise.allSettled([
        running?.stop(),
        getRelay().counters.flush({ abortSignal: AbortSignal.timeout(shutdownFlushMs) }),
    ]);
    for (const result of results) {
        if (result.status === 'rejected') {
            console.warn(`pbi-relay shutdown: ${(result.reason as Error)?.message ?? String(result.reason)}`);
        }
    }
});
