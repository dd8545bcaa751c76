import { app } from '@azure/functions';
import { getRelay } from './runtime/relay';

app.setup({});

// Validate settings and the config file while the worker loads the app, so a bad setting stops start-up
// with one message naming it instead of failing the first request.
getRelay();

// Counts tallied since the last flush are written before the host stops this instance (scale-in, restart).
app.hook.appTerminate(() => getRelay().counters.flush());
