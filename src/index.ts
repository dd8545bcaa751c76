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
// Counts tallied since the last flush are written before the host stops this instance (scale-in, restart).
app.hook.appTerminate(async () => {
    await Promise.all([running?.stop(), getRelay().counters.flush()]);
});
