import { app } from '@azure/functions';
import { getRelay } from './runtime/relay';
import { startMetrics } from './telemetry/startMetrics';

app.setup({});

// Validate settings and the config file while the worker loads the app, so a bad setting stops start-up
// with one message naming it instead of failing the first request.
startMetrics(getRelay().settings);
