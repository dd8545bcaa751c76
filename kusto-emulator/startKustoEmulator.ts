import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type {
    DatabaseInput,
    EventhouseInput,
    KustoSeed,
    KustoTokenInput,
    WorkspaceInput,
} from './control/kustoControlSchemas';
import { KustoControl, type DatabaseSnapshot, type IssuedKustoToken, type TableSnapshot } from './control/KustoControl';
import { KustoFaultInjector, type KustoFault, type KustoFaultInput } from './faults/KustoFaultInjector';
import { createKustoRequestListener } from './http/createKustoRequestListener';
import { listen } from '../emulator/http/listen';
import { silentLogger } from '../emulator/EmulatorOptions';
import type { KustoEmulatorOptions } from './KustoEmulatorOptions';
import type { KustoRequestLogEntry } from './KustoRequestLogEntry';
import type { KustoRuntime } from './KustoRuntime';
import { KustoStore } from './state/KustoStore';

export interface RunningKustoEmulator {
    /** e.g. http://127.0.0.1:54321 (no trailing slash): the query (and ingestion) service URI. */
    url: string;
    port: number;
    close(): Promise<void>;

    /** Back to empty: no databases, Fabric items, faults or requests. */
    reset(): Promise<void>;
    createDatabase(input: DatabaseInput): Promise<{ name: string }>;
    databases(): Promise<DatabaseSnapshot[]>;
    /** Tables with their rows (and ingestion times), of one database and one table when given. */
    tables(filter?: { database?: string; table?: string }): Promise<TableSnapshot[]>;
    /** The rows of one table, `[]` when it does not exist (yet). */
    rows(database: string, table: string): Promise<TableSnapshot['rows']>;
    createWorkspace(input: WorkspaceInput): Promise<{ id: string }>;
    createEventhouse(input: EventhouseInput): Promise<{ id: string; databases: { id: string; name: string }[] }>;
    applySeed(seed: KustoSeed): Promise<{ databases: string[]; workspaces: string[]; eventhouses: string[] }>;
    requests(): Promise<KustoRequestLogEntry[]>;
    clearRequests(): Promise<void>;
    injectFaults(input: KustoFaultInput): Promise<KustoFault>;
    faults(): Promise<KustoFault[]>;
    clearFaults(): Promise<void>;
    /** A token signed with this emulator's key (the Power BI emulator's, when it was passed). */
    issueToken(input: KustoTokenInput): Promise<IssuedKustoToken>;
}

/** Starts the Kusto (Fabric Eventhouse) emulator on `host:port` and resolves once it accepts requests. */
export async function startKustoEmulator(options: KustoEmulatorOptions = {}): Promise<RunningKustoEmulator> {
    const logger = options.logger ?? silentLogger;
    const runtime: KustoRuntime = {
        url: '',
        store: new KustoStore(),
        now: options.now ?? (() => new Date()),
        signingKey: options.tokenSigningKey ?? randomBytes(32).toString('base64url'),
        faults: new KustoFaultInjector(),
        requestLog: [],
        logger,
    };
    const control = new KustoControl(runtime);
    const listener = createKustoRequestListener(runtime, control);
    const server = createServer(listener);
    const address = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
    runtime.url = address.url;
    // The seed may create eventhouses, whose queryServiceUri is the URL, so it applies once the URL is known.
    if (options.seed) control.applySeed(options.seed);
    logger.info('kusto emulator listening', { url: runtime.url });

    let closed: Promise<void> | undefined;
    const close = () => {
        closed ??= new Promise<void>((resolve) => {
            for (const response of listener.hanging) response.destroy();
            server.close(() => resolve());
            server.closeAllConnections();
        });
        return closed;
    };
    const run = async <T>(operation: () => T): Promise<T> => operation();
    return {
        url: runtime.url,
        port: address.port,
        close,
        reset: () => run(() => control.reset()),
        createDatabase: (input) => run(() => control.createDatabase(input)),
        databases: () => run(() => control.databases()),
        tables: (filter) => run(() => control.tables(filter)),
        rows: (database, table) => run(() => control.tables({ database, table })[0]?.rows ?? []),
        createWorkspace: (input) => run(() => control.createWorkspace(input)),
        createEventhouse: (input) => run(() => control.createEventhouse(input)),
        applySeed: (seed) => run(() => control.applySeed(seed)),
        requests: () => run(() => control.requests()),
        clearRequests: () => run(() => control.clearRequests()),
        injectFaults: (input) => run(() => control.injectFault(input)),
        faults: () => run(() => control.faults()),
        clearFaults: () => run(() => control.clearFaults()),
        issueToken: (input) => run(() => control.issueToken(input)),
    };
}
