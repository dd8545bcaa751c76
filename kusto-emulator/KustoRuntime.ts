import type { KustoFaultInjector } from './faults/KustoFaultInjector';
import type { KustoEmulatorLogger } from './KustoEmulatorOptions';
import type { KustoRequestLogEntry } from './KustoRequestLogEntry';
import type { KustoStore } from './state/KustoStore';

/** Everything a handler may touch. */
export interface KustoRuntime {
    /** Base URL without trailing slash, known once the server listens. */
    url: string;
    store: KustoStore;
    now(): Date;
    signingKey: string;
    faults: KustoFaultInjector;
    requestLog: KustoRequestLogEntry[];
    logger: KustoEmulatorLogger;
}
