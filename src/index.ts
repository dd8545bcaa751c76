import { app } from '@azure/functions';
import { getRelay } from './runtime/relay';

// Streamed requests reach the handler as they arrive, so the ingest body limit holds before anything is buffered
// (without it the host hands the worker the whole body, up to its own 100 MB request limit).
app.setup({ enableHttpStream: true });

// Validate settings and the config file while the worker loads the app, so a bad setting stops start-up
// with one message naming it instead of failing the first request.
getRelay();
