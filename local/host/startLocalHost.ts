import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveAppSettingPlaceholders } from './appSettings';
import type { FunctionKeys } from './functionKeys';
import { parseHostJson } from './hostOptions';
import { startHttpServer, toHttpRoute, type HttpRoute, type RunningHttpServer } from './httpTrigger';
import { loadApp } from './loadApp';
import { describeError, LocalWorker, type RegisteredFunction } from './localWorker';
import { consoleLogger, type HostLogger } from './logger';
import { QueueClients } from './queueClients';
import { findQueueOutputs, QueueOutputSender } from './queueOutputs';
import { QueueTriggerListener } from './queueTrigger';
import { SingletonListener, type Listener } from './singletonListener';
import { createBlobServiceClient } from './storageConnection';
import { parseTimerSchedule } from './timerSchedule';
import { TimerTriggerListener, type TimerClock } from './timerTrigger';

export type { HostLogEntry, HostLogger, HostLogLevel } from './logger';
export { consoleLogger } from './logger';

export interface LocalHostOptions {
    /** Directory with the app's package.json (its `main` glob names the entry files) and host.json. */
    appRoot: string;
    /** App settings, like local.settings.json `Values`; copied into process.env before the app loads. */
    settings: Record<string, string>;
    /** Default 7071; 0 picks a free port. */
    port?: number;
    /** Default 127.0.0.1. */
    host?: string;
    /** host.json content; default: read `<appRoot>/host.json`. */
    hostJson?: object;
    /** Default: information and above to the console. */
    logger?: HostLogger;
    /** The clock timer triggers run on; default the real one (tests drive schedules with their own). */
    timerClock?: TimerClock;
    /** Access keys to enforce (x-functions-key or ?code=) by each HTTP trigger's authLevel; default none (all anonymous). */
    keys?: FunctionKeys;
    /**
     * How long a received queue message stays hidden (renewed at half of it while its invocation runs); default 600,
     * the host's 10 minutes. What a host that dies held comes back after this long: crash soaks use a few seconds.
     */
    queueLeaseSeconds?: number;
}

export interface LocalHost {
    /** Base URL, e.g. `http://127.0.0.1:7071`; HTTP triggers are under `<url>/api/`. */
    url: string;
    /** Names of the functions the app registered. */
    functions: string[];
    /** Stops polling and timers, waits for in-flight invocations, then closes the server. */
    close(): Promise<void>;
}

const supportedOutputTypes = new Set(['http', 'queue']);

/**
 * Runs a v4 Node.js function app the way the Functions host and Node worker would, without Core
 * Tools: HTTP, Storage queue and timer triggers, with queue output bindings.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
    const appRoot = resolve(options.appRoot);
    const logger = options.logger ?? consoleLogger();
    const hostOptions = parseHostJson(options.hostJson ?? readHostJson(appRoot), availableParallelism());
    const restoreEnv = applySettings(options.settings);
    const settings: Record<string, string | undefined> = { ...process.env, ...options.settings };

    const worker = new LocalWorker(logger);
    const stops: (() => Promise<void>)[] = [];
    const close = async (): Promise<void> => {
        for (const stop of stops.splice(0).reverse()) {
            await stop();
        }
    };
    stops.push(async () => restoreEnv());

    try {
        await loadApp(worker, appRoot);
        const capabilities = (await worker.programmingModel?.getCapabilities?.({})) ?? {};
        await worker.finishStartup(appRoot);
        stops.push(() => worker.terminate());

        const clients = new QueueClients(settings);
        const queueListeners: QueueTriggerListener[] = [];
        const outputSender = new QueueOutputSender(clients, hostOptions.queues.messageEncoding, (queueName) => {
            queueListeners.filter((l) => l.queueName === queueName).forEach((l) => l.notifyNewMessages());
        });
        const httpRoutes: HttpRoute[] = [];
        const timers: { functionName: string; createListener: () => Listener }[] = [];

        for (const fn of worker.functions.values()) {
            const [triggerName, trigger] = findTrigger(fn);
            const resolve = (value: string, property: string): string =>
                resolveAppSettingPlaceholders(value, settings, `Function "${fn.name}" ${property}`);
            // The Storage extension lower-cases queue names before validating them.
            const outputs = findQueueOutputs(fn, (queueName) => resolve(queueName, 'output queueName').toLowerCase());
            warnAboutUnsupportedBindings(fn, logger);
            switch (trigger.type?.toLowerCase()) {
                case 'httptrigger':
                    httpRoutes.push(toHttpRoute(fn, triggerName, outputs));
                    break;
                case 'queuetrigger':
                    queueListeners.push(
                        new QueueTriggerListener({
                            fn,
                            triggerName,
                            queueName: resolve(String(trigger.queueName), 'queueName').toLowerCase(),
                            connection: typeof trigger.connection === 'string' ? trigger.connection : undefined,
                            queueOptions: hostOptions.queues,
                            ...(options.queueLeaseSeconds !== undefined
                                ? { leaseMs: options.queueLeaseSeconds * 1000 }
                                : {}),
                            worker,
                            clients,
                            outputs,
                            outputSender,
                            logger,
                        }),
                    );
                    break;
                case 'timertrigger': {
                    const schedule = parseTimerSchedule(resolve(String(trigger.schedule), 'schedule'));
                    timers.push({
                        functionName: fn.name,
                        createListener: () =>
                            new TimerTriggerListener({
                                fn,
                                triggerName,
                                schedule,
                                runOnStartup: trigger.runOnStartup === true,
                                worker,
                                outputs,
                                outputSender,
                                logger,
                                clock: options.timerClock,
                            }),
                    });
                    break;
                }
                default:
                    logger({
                        level: 'warning',
                        category: 'host',
                        functionName: fn.name,
                        message: `Trigger type "${trigger.type}" is not supported by the local host; function "${fn.name}" will not run.`,
                    });
            }
        }

        // Stop order (reverse of start): timers and queues stop taking work first, then HTTP.
        const server: RunningHttpServer = await startHttpServer({
            routes: httpRoutes,
            routePrefix: hostOptions.routePrefix,
            worker,
            outputSender,
            logger,
            port: options.port ?? 7071,
            host: options.host ?? '127.0.0.1',
            streamProxyUri: capabilities.HttpUri,
            ...(options.keys ? { keys: options.keys } : {}),
        });
        stops.push(() => server.close());
        for (const listener of queueListeners) {
            await listener.start().catch((error: unknown) => {
                throw new Error(
                    `The queue trigger for "${listener.queueName}" could not start: ${describeError(error)}`,
                    { cause: error },
                );
            });
            stops.push(() => listener.stop());
        }
        await startTimers(timers, appRoot, settings, logger, stops);

        logFunctions(logger, server.url, hostOptions.routePrefix, worker, httpRoutes);
        return { url: server.url, functions: [...worker.functions.values()].map((f) => f.name), close };
    } catch (error) {
        await close();
        throw error;
    }
}

/**
 * Timers run under the host's singleton lock (a blob lease in AzureWebJobsStorage), so that of several hosts of
 * one app sharing a storage account only one runs each timer, as in Azure. The lock is keyed by the host id:
 * AzureFunctionsWebHost__hostid when set, otherwise one derived from the app's folder, which every local host of
 * the same app shares. Without AzureWebJobsStorage there is nothing to share, and timers run unlocked.
 */
async function startTimers(
    timers: readonly { functionName: string; createListener: () => Listener }[],
    appRoot: string,
    settings: Readonly<Record<string, string | undefined>>,
    logger: HostLogger,
    stops: (() => Promise<void>)[],
): Promise<void> {
    if (timers.length === 0) return;
    const hostStorageConfigured = Object.entries(settings).some(
        ([name, value]) => value && (name === 'AzureWebJobsStorage' || name.startsWith('AzureWebJobsStorage__')),
    );
    if (!hostStorageConfigured) {
        logger({
            level: 'warning',
            category: 'host',
            message:
                'AzureWebJobsStorage is not set: timers run without the singleton lock, on every host of this app.',
        });
        for (const timer of timers) {
            const listener = timer.createListener();
            listener.start();
            stops.push(() => listener.stop());
        }
        return;
    }
    const blobService = await createBlobServiceClient(undefined, settings);
    const hostId =
        settings.AzureFunctionsWebHost__hostid ||
        `local-${createHash('sha256').update(appRoot).digest('hex').slice(0, 26)}`;
    for (const timer of timers) {
        const singleton = new SingletonListener({ blobService, hostId, logger, ...timer });
        await singleton.start();
        stops.push(() => singleton.stop());
    }
}

function readHostJson(appRoot: string): object {
    const path = join(appRoot, 'host.json');
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as object) : {};
}

/** Puts the settings into process.env as the host does for the worker; returns a function that undoes it. */
function applySettings(settings: Record<string, string>): () => void {
    const previous = new Map<string, string | undefined>();
    for (const [name, value] of Object.entries(settings)) {
        previous.set(name, process.env[name]);
        process.env[name] = value;
    }
    return () => {
        for (const [name, value] of previous) {
            if (value === undefined) {
                delete process.env[name];
            } else {
                process.env[name] = value;
            }
        }
    };
}

function findTrigger(fn: RegisteredFunction): [string, RegisteredFunction['metadata']['bindings'][string]] {
    const entry = Object.entries(fn.metadata.bindings).find(([, b]) => /trigger$/i.test(b.type ?? ''));
    if (!entry) {
        throw new Error(`Function "${fn.name}" has no trigger binding.`);
    }
    return entry;
}

function warnAboutUnsupportedBindings(fn: RegisteredFunction, logger: HostLogger): void {
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
        const type = binding.type?.toLowerCase() ?? '';
        const unsupported =
            (binding.direction === 'in' && !type.endsWith('trigger')) ||
            (binding.direction === 'out' && !supportedOutputTypes.has(type));
        if (unsupported) {
            logger({
                level: 'warning',
                category: 'host',
                functionName: fn.name,
                message: `Binding "${name}" of type "${binding.type}" is not supported by the local host and is ignored.`,
            });
        }
    }
}

function logFunctions(
    logger: HostLogger,
    url: string,
    routePrefix: string,
    worker: LocalWorker,
    httpRoutes: HttpRoute[],
): void {
    const lines = [...worker.functions.values()].map((fn) => {
        const route = httpRoutes.find((r) => r.fn === fn);
        if (route) {
            const methods = route.methods ? [...route.methods].join(',') : 'ALL';
            return `  ${fn.name}: [${methods}] ${url}/${[routePrefix, route.template.template].filter(Boolean).join('/')}`;
        }
        const trigger = Object.values(fn.metadata.bindings).find((b) => /trigger$/i.test(b.type ?? ''));
        return `  ${fn.name}: ${trigger?.type}`;
    });
    logger({ level: 'information', category: 'host', message: `Functions:\n${lines.join('\n')}` });
}
