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

/**
 * Everything `npm start` runs: Azurite, the Power BI emulator seeded with the demo workspace (local/demo.seed.json),
 * and one or more local Functions hosts with local.settings.sample.json's settings (where the environment does not
 * set them) pointed at them. What started is stopped again if a later step fails.
 */
export async function startRelayLocally(options: LocalRelayOptions): Promise<LocalRelay> {
    const instances = options.instances ?? 1;
    if (!Number.isInteger(instances) || instances < 1) {
        throw new Error(`instances must be a whole number of at least 1, got ${instances}`);
    }
    const sample = withEnvironmentOverrides(
        readLocalSettingsFile(join(options.appRoot, 'local.settings.sample.json')).values,
        options.env ?? process.env,
    );
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
        // The storage and Power BI endpoints always point at what was started here, whatever the environment says.
        const settings: Record<string, string> = {
            ...sample.values,
            AzureWebJobsStorage: azurite.connectionString,
            POWERBI_API_BASE_URL: `${emulator.url}/v1.0/myorg`,
            ...emulator.env(),
            ...options.settings,
            ...(options.configPath ? { PBI_RELAY_CONFIG: resolve(options.configPath) } : {}),
        };
        // Bad settings or a bad config file fail here, naming what is wrong, instead of at the first request.
        const checked = loadSettings({ ...process.env, ...settings });
        const config = loadRelayConfig(resolve(options.appRoot, checked.PBI_RELAY_CONFIG));
        const kusto = await startKustoLocally({
            config,
            powerBi: emulator,
            port: options.kustoEmulatorPort ?? 5310,
            relayClientId: checked.AZURE_CLIENT_ID ?? defaultSystemAssignedPrincipalId,
            scope: checked.EVENTHOUSE_SCOPE,
        });
        if (kusto) {
            stops.push(() => kusto.kusto.close());
            // The relay's Eventhouse is the emulator, whatever the environment says.
            settings.EVENTHOUSE_QUERY_SERVICE_URI = kusto.kusto.url;
        }
        const logger = options.logger ?? consoleLogger();
        const hosts: LocalHost[] = [];
        const port = options.port ?? 7071;
        for (let k = 1; k <= instances; k++) {
            const host = await startLocalHost({
                appRoot: options.appRoot,
                settings,
                port: port === 0 ? 0 : port + k - 1,
                ...(options.keys ? { keys: options.keys } : {}),
                logger:
                    instances === 1 ? logger : (entry) => logger({ ...entry, message: `[host ${k}] ${entry.message}` }),
            });
            stops.push(() => host.close());
            hosts.push(host);
        }
        return {
            url: hosts[0]!.url,
            emulator,
            ...(kusto ? { kusto } : {}),
            azurite,
            hosts,
            settings,
            overridden: sample.overridden,
            close,
        };
    } catch (error) {
        await close();
        throw error;
    }
}
