import { createServer } from 'node:http';
import { EmulatorClock } from './clock/EmulatorClock';
import type {
    ClockInput,
    ModelInput,
    PushDatasetInput,
    Seed,
    TokenInput,
    WorkspaceInput,
} from './control/controlSchemas';
import { EmulatorControl, type ClockState, type IssuedToken } from './control/EmulatorControl';
import { silentLogger, type EmulatorOptions } from './EmulatorOptions';
import type { EmulatorRuntime } from './EmulatorRuntime';
import { FaultInjector, type Fault, type FaultInput } from './faults/FaultInjector';
import { createRequestListener } from './http/createRequestListener';
import { listen } from './http/listen';
import { defaultLimits, limitsOverrideSchema, limitsSchema, type Limits, type LimitsOverride } from './limits/Limits';
import { PushThrottle } from './push/PushThrottle';
import { QueryThrottle } from './query/QueryThrottle';
import type { RefreshScriptInput } from './refresh/RefreshScript';
import type { RequestLogEntry } from './RequestLogEntry';
import { EmulatorStore } from './state/EmulatorStore';
import { StateFile } from './state/StateFile';

export const defaultIdentityHeader = 'pbi-emulator-identity-header';
export const defaultSystemAssignedPrincipalId = '11111111-1111-4111-8111-111111111111';

export interface EmulatorClockControls {
    now(): Date;
    /** Moves emulated time forward. */
    advance(by: { ms?: number; seconds?: number; minutes?: number; hours?: number }): Date;
    set(to: Date | string): Date;
    freeze(): Date;
    resume(): Date;
    setTimeScale(timeScale: number): void;
    state(): ClockState;
}

export interface RunningEmulator {
    /** e.g. http://127.0.0.1:54321 (no trailing slash). */
    url: string;
    port: number;
    /** `${url}/msi/token`, the value for IDENTITY_ENDPOINT. */
    identityEndpoint: string;
    /** The secret for IDENTITY_HEADER. */
    identityHeader: string;
    /**
     * The key that signs this emulator's tokens (HS256), for another emulator that accepts them (the Kusto emulator's
     * `tokenSigningKey` option). It survives reset.
     */
    tokenSigningKey: string;
    /** IDENTITY_ENDPOINT and IDENTITY_HEADER, ready to merge into process.env or a child's env. */
    env(): { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
    close(): Promise<void>;

    reset(): Promise<void>;
    createWorkspace(input: WorkspaceInput): Promise<{ id: string }>;
    createModel(input: ModelInput): Promise<{ id: string }>;
    createPushDataset(input: PushDatasetInput): Promise<{ id: string }>;
    setRefreshScript(modelId: string, script: RefreshScriptInput): Promise<void>;
    queueRefreshScript(modelId: string, script: RefreshScriptInput): Promise<{ queued: number }>;
    datasets(options?: { includeRows?: boolean }): Promise<ReturnType<EmulatorControl['datasets']>>;
    requests(): Promise<RequestLogEntry[]>;
    clearRequests(): Promise<void>;
    injectFaults(input: FaultInput): Promise<Fault>;
    faults(): Promise<Fault[]>;
    clearFaults(): Promise<void>;
    issueToken(input: TokenInput): Promise<IssuedToken>;
    updateClock(input: ClockInput): Promise<ClockState>;
    limits(): Promise<Limits>;
    updateLimits(input: LimitsOverride): Promise<Limits>;
    applySeed(seed: Seed): Promise<{ workspaces: string[]; models: string[]; pushDatasets: string[] }>;
    clock: EmulatorClockControls;
}

/** Starts the Power BI REST emulator on `host:port` and resolves once it accepts requests. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
    const logger = options.logger ?? silentLogger;
    const clock = new EmulatorClock({
        ...(options.startTime !== undefined ? { start: new Date(options.startTime) } : {}),
        timeScale: options.timeScale ?? 1,
        frozen: options.frozenClock ?? false,
    });
    const limits = limitsSchema.parse({ ...defaultLimits, ...limitsOverrideSchema.parse(options.limits ?? {}) });
    const store = new EmulatorStore(
        options.tokenSigningKey !== undefined ? EmulatorStore.emptyState(options.tokenSigningKey) : undefined,
    );
    const stateFile = options.dataDir ? new StateFile(options.dataDir, () => store.state) : undefined;
    const persisted = stateFile?.load();
    if (persisted) store.state = persisted;

    const runtime: EmulatorRuntime = {
        url: '',
        store,
        clock,
        limits,
        throttle: new PushThrottle(() => runtime.limits),
        queryThrottle: new QueryThrottle(() => runtime.limits.maxExecuteQueriesPerMinute),
        faults: new FaultInjector(),
        requestLog: [],
        identity: {
            header: options.identity?.header ?? defaultIdentityHeader,
            systemAssignedPrincipalId: options.identity?.systemAssignedPrincipalId ?? defaultSystemAssignedPrincipalId,
            userAssigned: options.identity?.userAssigned ?? {},
            tokenLifetimeSeconds: options.identity?.tokenLifetimeSeconds ?? 86_400,
        },
        logger,
    };
    const control = new EmulatorControl(runtime);
    if (options.seed && !persisted) control.applySeed(options.seed);
    if (stateFile) {
        store.onChange(() => stateFile.scheduleSave());
        stateFile.saveNow();
    }

    const listener = createRequestListener(runtime, control);
    const server = createServer(listener);
    const address = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
    runtime.url = address.url;
    logger.info('emulator listening', { url: runtime.url });

    let closed: Promise<void> | undefined;
    const close = () => {
        closed ??= new Promise<void>((resolve) => {
            for (const timer of listener.timers) clearTimeout(timer);
            for (const response of listener.hanging) response.destroy();
            server.close(() => resolve());
            server.closeAllConnections();
            stateFile?.saveNow();
        });
        return closed;
    };

    const identityEndpoint = `${runtime.url}/msi/token`;
    const run = async <T>(operation: () => T): Promise<T> => operation();
    return {
        url: runtime.url,
        port: address.port,
        identityEndpoint,
        identityHeader: runtime.identity.header,
        tokenSigningKey: store.state.signingKey,
        env: () => ({ IDENTITY_ENDPOINT: identityEndpoint, IDENTITY_HEADER: runtime.identity.header }),
        close,
        reset: () => run(() => control.reset()),
        createWorkspace: (input) => run(() => control.createWorkspace(input)),
        createModel: (input) => run(() => control.createModel(input)),
        createPushDataset: (input) => run(() => control.createPushDataset(input)),
        setRefreshScript: (modelId, script) => run(() => control.setRefreshScript(modelId, script)),
        queueRefreshScript: (modelId, script) => run(() => control.queueRefreshScript(modelId, script)),
        datasets: (datasetOptions) => run(() => control.datasets(datasetOptions)),
        requests: () => run(() => control.requests()),
        clearRequests: () => run(() => control.clearRequests()),
        injectFaults: (input) => run(() => control.injectFault(input)),
        faults: () => run(() => control.faults()),
        clearFaults: () => run(() => control.clearFaults()),
        issueToken: (input) => run(() => control.issueToken(input)),
        updateClock: (input) => run(() => control.updateClock(input)),
        limits: () => run(() => control.limits()),
        updateLimits: (input) => run(() => control.updateLimits(input)),
        applySeed: (seed) => run(() => control.applySeed(seed)),
        clock: {
            now: () => clock.now(),
            advance: ({ ms = 0, seconds = 0, minutes = 0, hours = 0 }) =>
                clock.advance(ms + seconds * 1_000 + minutes * 60_000 + hours * 3_600_000),
            set: (to) => clock.set(new Date(to)),
            freeze: () => clock.freeze(),
            resume: () => clock.resume(),
            setTimeScale: (timeScale) => clock.setTimeScale(timeScale),
            state: () => control.clockState(),
        },
    };
}
