import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedSchema, startEmulator, type LimitsOverride, type RunningEmulator } from '../emulator';
import { readLocalSettingsFile } from './localSettingsFile';
import { consoleLogger, startLocalHost, type HostLogger, type LocalHost } from './host/startLocalHost';
import { startAzurite, type RunningAzurite } from './startAzurite';

export interface LocalRelayOptions {
    /** Folder holding package.json, host.json, local.settings.sample.json and the built app in dist/. */
    appRoot: string;
    /** Functions host port. Default 7071; 0 picks a free port. */
    port?: number;
    /** Power BI emulator port. Default 5300 (the port local.settings.sample.json names). */
    emulatorPort?: number;
    /** Azurite's blob/queue/table ports. Default 10000-10002, so UseDevelopmentStorage=true and Storage Explorer work. */
    storagePorts?: { blob: number; queue: number; table: number };
    /** Power BI emulator clock speed (emulated seconds per real second). Default 1. */
    timeScale?: number;
    /** Settings that replace the sample's (e.g. tighter limits in tests). */
    settings?: Record<string, string>;
    /** Power BI emulator limits other than the documented ones. */
    emulatorLimits?: LimitsOverride;
    logger?: HostLogger;
}

export interface LocalRelay {
    url: string;
    emulator: RunningEmulator;
    azurite: RunningAzurite;
    host: LocalHost;
    settings: Record<string, string>;
    close(): Promise<void>;
}

/**
 * Everything `npm start` runs: Azurite, the Power BI emulator seeded with the demo workspace (local/demo.seed.json),
 * and the local Functions host with local.settings.sample.json's settings pointed at them. What started is stopped
 * again if a later step fails.
 */
export async function startRelayLocally(options: LocalRelayOptions): Promise<LocalRelay> {
    const sample = readLocalSettingsFile(join(options.appRoot, 'local.settings.sample.json'));
    const seed = seedSchema.parse(JSON.parse(readFileSync(join(options.appRoot, 'local', 'demo.seed.json'), 'utf8')));
    const stops: (() => Promise<void>)[] = [];
    const close = async () => {
        for (const stop of stops.splice(0).reverse()) await stop();
    };
    try {
        const azurite = await startAzurite({
            ports: options.storagePorts ?? { blob: 10000, queue: 10001, table: 10002 },
        });
        stops.push(() => azurite.stop());
        const emulator = await startEmulator({
            port: options.emulatorPort ?? 5300,
            seed,
            timeScale: options.timeScale ?? 1,
            ...(options.emulatorLimits ? { limits: options.emulatorLimits } : {}),
        });
        stops.push(() => emulator.close());
        const settings: Record<string, string> = {
            ...sample.values,
            AzureWebJobsStorage: azurite.connectionString,
            POWERBI_API_BASE_URL: `${emulator.url}/v1.0/myorg`,
            ...emulator.env(),
            ...options.settings,
        };
        const host = await startLocalHost({
            appRoot: options.appRoot,
            settings,
            port: options.port ?? 7071,
            logger: options.logger ?? consoleLogger(),
        });
        stops.push(() => host.close());
        return { url: host.url, emulator, azurite, host, settings, close };
    } catch (error) {
        await close();
        throw error;
    }
}
