import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadRelayConfig } from '../src/config/relayConfig';
import { loadSettings } from '../src/config/settings';
import {
    defaultSystemAssignedPrincipalId,
    seedSchema,
    startEmulator,
    type LimitsOverride,
    type RunningEmulator,
} from '../emulator';
import { readLocalSettingsFile, withEnvironmentOverrides } from './localSettingsFile';
import type { FunctionKeys } from './host/functionKeys';
import { consoleLogger, startLocalHost, type HostLogger, type LocalHost } from './host/startLocalHost';
import { startAzurite, type RunningAzurite } from './startAzurite';
import { startKustoLocally, type LocalKusto } from './startKustoLocally';

export interface LocalRelayOptions {
    /** Folder holding package.json, host.json, local.settings.sample.json and the built app in dist/. */
    appRoot: string;
    /** Functions host port (host k of `instances` listens on port + k - 1). Default 7071; 0 picks free ports. */
    port?: number;
    /** How many Functions hosts share Azurite and the emulator, like instances of one function app. Default 1. */
    instances?: number;
    /** The relay's config file (PBI_RELAY_CONFIG), relative to the current directory. Default: the app's own. */
    configPath?: string;
    /** Environment whose variables override the sample's settings of the same name. Default process.env. */
    env?: NodeJS.ProcessEnv;
    /** Power BI emulator port. Default 5300 (the port local.settings.sample.json names). */
    emulatorPort?: number;
    /** Kusto emulator port, when the config names an eventhouse. Default 5310; 0 picks a free port. */
    kustoEmulatorPort?: number;
    /** Azurite's blob/queue/table ports. Default 10000-10002, so UseDevelopmentStorage=true and Storage Explorer work. */
    storagePorts?: { blob: number; queue: number; table: number };
    /** Power BI emulator clock speed (emulated seconds per real second). Default 1. */
    timeScale?: number;
    /** Settings that replace the sample's and the environment's (e.g. tighter limits in tests). */
    settings?: Record<string, string>;
    /** Power BI emulator limits other than the documented ones. */
    emulatorLimits?: LimitsOverride;
    logger?: HostLogger;
    /** Access keys every host enforces (`npm start -- --keys FILE`); default none, every function anonymous. */
    keys?: FunctionKeys;
    /** See LocalHostsOptions.queueLeaseSeconds. */
    queueLeaseSeconds?: number;
}

export interface LocalRelay {
    /** The first host's URL. */
    url: string;
    emulator: RunningEmulator;
    /** The Kusto emulator and its databases, when a dataset has the eventhouse sink. */
    kusto?: LocalKusto;
    azurite: RunningAzurite;
    hosts: LocalHost[];
    settings: Record<string, string>;
    /** Settings of local.settings.sample.json that environment variables replaced. */
    overridden: string[];
    close(): Promise<void>;
}

/** What the local Functions hosts are pointed at: a Storage account (or Azurite) and a Power BI (or its emulator). */
export interface LocalHostsOptions extends Pick<
    LocalRelayOptions,
    'appRoot' | 'port' | 'instances' | 'configPath' | 'env' | 'settings' | 'logger' | 'keys'
> {
    /** AzureWebJobsStorage: the connection string of the Azurite (or account) the hosts share. */
    storage: string;
    /** The Power BI emulator's base URL (its `/v1.0/myorg` API and `/msi/token` identity endpoint). */
    emulatorUrl: string;
    /** The Kusto emulator's URL (EVENTHOUSE_QUERY_SERVICE_URI), when a dataset has the eventhouse sink. */
    kustoEmulatorUrl?: string;
    /**
     * How long a queue message a host received stays hidden (renewed while its invocation runs); default the host's
     * 10 minutes. A host killed with SIGKILL leaves what it held hidden this long (`npm start -- --queue-lease-seconds`).
     */
    queueLeaseSeconds?: number;
}

export interface LocalHosts {
    /** The first host's URL. */
    url: string;
    hosts: LocalHost[];
    settings: Record<string, string>;
    /** Settings of local.settings.sample.json that environment variables replaced. */
    overridden: string[];
    close(): Promise<void>;
}

/**
 * Everything `npm start` runs: Azurite, the Power BI emulator seeded with the demo workspace (local/demo.seed.json),
 * and one or more local Functions hosts with local.settings.sample.json's settings (where the environment does not
 * set them) pointed at them. What started is stopped again if a later step fails.
 */
export async function startRelayLocally(options: LocalRelayOptions): Promise<LocalRelay> {
    const seed = seedSchema.parse(JSON.parse(readFileSync(join(options.appRoot, 'local', 'demo.seed.json'), 'utf8')));
    const stops: (() => Promise<void>)[] = [];
    const close = async () => {
        for (const stop of stops.splice(0).reverse()) await stop();
    };
    try {
        const azurite = await startAzurite({
            ports: options.storagePorts ?? { blob: 10000, queue: 10001, table: 10002 },
            // In memory, Azurite stalls for most of every minute under a sustained stream of queue messages.
            persistence: 'disk',
        });
        stops.push(() => azurite.stop());
        const emulator = await startEmulator({
            port: options.emulatorPort ?? 5300,
            seed,
            timeScale: options.timeScale ?? 1,
            ...(options.emulatorLimits ? { limits: options.emulatorLimits } : {}),
        });
        stops.push(() => emulator.close());
        const hostOptions: LocalHostsOptions = {
            ...options,
            storage: azurite.connectionString,
            emulatorUrl: emulator.url,
            settings: { ...emulator.env(), ...options.settings },
        };
        const { checked, config } = toHostSettings(hostOptions);
        const kusto = await startKustoLocally({
            config,
            powerBi: emulator,
            port: options.kustoEmulatorPort ?? 5310,
            relayClientId: checked.AZURE_CLIENT_ID ?? defaultSystemAssignedPrincipalId,
            scope: checked.EVENTHOUSE_SCOPE,
        });
        if (kusto) stops.push(() => kusto.kusto.close());
        const hosts = await startHostsLocally({
            ...hostOptions,
            ...(kusto ? { kustoEmulatorUrl: kusto.kusto.url } : {}),
        });
        stops.push(() => hosts.close());
        return {
            url: hosts.url,
            emulator,
            ...(kusto ? { kusto } : {}),
            azurite,
            hosts: hosts.hosts,
            settings: hosts.settings,
            overridden: hosts.overridden,
            close,
        };
    } catch (error) {
        await close();
        throw error;
    }
}

/**
 * The local Functions hosts alone (`npm start -- --storage … --emulator …`), pointed at an Azurite and a Power BI
 * emulator that run in processes of their own, so that a soak can kill and restart the hosts while those keep
 * running. Settings as startRelayLocally's; what started is stopped again if a later host fails.
 */
export async function startHostsLocally(options: LocalHostsOptions): Promise<LocalHosts> {
    const instances = options.instances ?? 1;
    if (!Number.isInteger(instances) || instances < 1) {
        throw new Error(`instances must be a whole number of at least 1, got ${instances}`);
    }
    const { sample, settings } = toHostSettings(options);
    const logger = options.logger ?? consoleLogger();
    const hosts: LocalHost[] = [];
    const close = async () => {
        for (const host of hosts.splice(0).reverse()) await host.close();
    };
    const port = options.port ?? 7071;
    try {
        for (let k = 1; k <= instances; k++) {
            hosts.push(
                await startLocalHost({
                    appRoot: options.appRoot,
                    settings,
                    port: port === 0 ? 0 : port + k - 1,
                    ...(options.keys ? { keys: options.keys } : {}),
                    ...(options.queueLeaseSeconds !== undefined
                        ? { queueLeaseSeconds: options.queueLeaseSeconds }
                        : {}),
                    logger:
                        instances === 1
                            ? logger
                            : (entry) => logger({ ...entry, message: `[host ${k}] ${entry.message}` }),
                }),
            );
        }
    } catch (error) {
        await close();
        throw error;
    }
    return { url: hosts[0]!.url, hosts: [...hosts], settings, overridden: sample.overridden, close };
}

/**
 * The hosts' settings: local.settings.sample.json's, replaced by the environment's, pointed at the given Storage,
 * Power BI emulator and Kusto emulator whatever the environment says; checked, with the config they name, so bad
 * settings or a bad config file fail here, naming what is wrong, instead of at the first request.
 */
function toHostSettings(options: LocalHostsOptions) {
    const sample = withEnvironmentOverrides(
        readLocalSettingsFile(join(options.appRoot, 'local.settings.sample.json')).values,
        options.env ?? process.env,
    );
    const settings: Record<string, string> = {
        ...sample.values,
        AzureWebJobsStorage: options.storage,
        POWERBI_API_BASE_URL: `${options.emulatorUrl}/v1.0/myorg`,
        IDENTITY_ENDPOINT: `${options.emulatorUrl}/msi/token`,
        ...options.settings,
        ...(options.kustoEmulatorUrl ? { EVENTHOUSE_QUERY_SERVICE_URI: options.kustoEmulatorUrl } : {}),
        ...(options.configPath ? { PBI_RELAY_CONFIG: resolve(options.configPath) } : {}),
    };
    const checked = loadSettings({ ...process.env, ...settings });
    const config = loadRelayConfig(resolve(options.appRoot, checked.PBI_RELAY_CONFIG));
    return { sample, settings, checked, config };
}
