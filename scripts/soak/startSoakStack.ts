import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSystemAssignedPrincipalId } from '../../emulator';
import { readLocalSettingsFile } from '../../local/localSettingsFile';
import { setUpKustoDatabases } from '../../local/setUpKustoDatabases';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { appRoot } from '../../src/config/appRoot';
import { loadRelayConfig } from '../../src/config/relayConfig';
import { loadSettings } from '../../src/config/settings';
import { startRelayProcess, type RelayProcess } from '../bench/startRelayProcess';
import { kustoEmulatorControl, type KustoEmulatorControl } from './kustoEmulatorControl';
import { startEmulatorProcess, startKustoEmulatorProcess, type EmulatorProcess } from './startEmulatorProcess';

export interface SoakStackOptions {
    /** The relay's config file (`npm start -- --config`). */
    configPath: string;
    /** App settings for the Functions host, passed as environment variables. */
    settings: Record<string, string>;
    /** Arguments of the emulator's CLI besides `--port`, e.g. `--seed local/demo.seed.json --limit name=n`. */
    emulatorArgs: readonly string[];
    /** `npm start -- --queue-lease-seconds`: how soon what a killed host held is delivered again. */
    queueLeaseSeconds: number;
    /**
     * Dual-write: the Kusto emulator too (its own process, trusting the Power BI emulator's tokens), with the
     * config's eventhouse databases set up as `fabric-setup` would, and the hosts get `--kusto-emulator`.
     */
    kusto?: boolean;
    /** Sees every line each Functions host prints, and on which stream. */
    onHostLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface SoakStack {
    emulatorUrl: string;
    /** The Kusto emulator's control API, with `kusto`. */
    kusto?: KustoEmulatorControl;
    /** AzureWebJobsStorage of the hosts: the Azurite below, on ports that stay the same across its restarts. */
    storage: string;
    /** The running host's URL; waits while it (or Azurite) is being restarted. */
    hostUrl(): Promise<string>;
    /** SIGKILLs the Functions host and starts a new one at once (hostUrl waits for it). */
    killHost(): Promise<void>;
    /**
     * SIGKILLs Azurite (or with `stop`, stops it cleanly, SIGTERM), waits `downMs`, and starts it again on the same
     * ports and data folder.
     */
    killAzurite(downMs: number, how?: 'kill' | 'stop'): Promise<void>;
    readonly kills: { host: number; azurite: number };
    /** The last lines the current host printed. */
    hostTail(): string;
    stop(): Promise<void>;
}

/**
 * Azurite (on-disk data in a folder of its own), the Power BI emulator (its CLI), with `kusto` the Kusto emulator (its
 * CLI), and one Functions host
 * (`npm start -- --storage … --emulator …`), each its own process, so a soak can SIGKILL the host or Azurite and start
 * it again while the others keep running.
 */
export async function startSoakStack(options: SoakStackOptions): Promise<SoakStack> {
    const location = mkdtempSync(join(tmpdir(), 'pbi-relay-soak-azurite-'));
    const stops: (() => Promise<void>)[] = [() => Promise.resolve(rmSync(location, { recursive: true, force: true }))];
    const close = async () => {
        for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    };
    try {
        let azurite: RunningAzurite = await startAzurite({ location, persistence: 'disk' });
        const ports = { blob: azurite.blobPort, queue: azurite.queuePort, table: azurite.tablePort };
        stops.push(() => azurite.stop());
        const signingKey = ['--token-signing-key', randomBytes(32).toString('base64url')];
        const emulator: EmulatorProcess = await startEmulatorProcess([
            ...options.emulatorArgs,
            ...(options.kusto ? signingKey : []),
        ]);
        stops.push(() => emulator.stop());
        let kusto: KustoEmulatorControl | undefined;
        if (options.kusto) {
            const kustoProcess = await startKustoEmulatorProcess(signingKey);
            stops.push(() => kustoProcess.stop());
            kusto = kustoEmulatorControl(kustoProcess.url);
            // The hosts' settings as `npm start` reads them: local.settings.sample.json, the environment, ours.
            const settings = loadSettings({
                ...readLocalSettingsFile(join(appRoot(), 'local.settings.sample.json')).values,
                ...process.env,
                ...options.settings,
            });
            await setUpKustoDatabases(kusto, {
                config: loadRelayConfig(options.configPath),
                relayClientId: settings.AZURE_CLIENT_ID ?? defaultSystemAssignedPrincipalId,
                scope: settings.EVENTHOUSE_SCOPE,
            });
        }
        const startHost = () =>
            startRelayProcess({
                instances: 1,
                configPath: options.configPath,
                env: options.settings,
                args: [
                    '--storage',
                    azurite.connectionString,
                    '--emulator',
                    emulator.url,
                    '--queue-lease-seconds',
                    String(options.queueLeaseSeconds),
                    ...(kusto ? ['--kusto-emulator', kusto.url] : []),
                ],
                ...(options.onHostLine ? { onLine: options.onHostLine } : {}),
            });
        /** Starts a host, trying again while it fails (Azurite may be down). */
        const startHostUntilUp = async (): Promise<RelayProcess> => {
            for (let attempt = 1; ; attempt++) {
                try {
                    return await startHost();
                } catch (error) {
                    if (attempt >= 20) throw error;
                    await new Promise((resolve) => setTimeout(resolve, 500));
                }
            }
        };
        let host: RelayProcess = await startHost();
        let starting: Promise<RelayProcess> = Promise.resolve(host);
        stops.push(async () => (await starting.catch(() => host)).stop());
        const kills = { host: 0, azurite: 0 };
        return {
            emulatorUrl: emulator.url,
            ...(kusto ? { kusto } : {}),
            storage: azurite.connectionString,
            kills,
            async hostUrl() {
                return (await starting).hostUrls[0]!;
            },
            async killHost() {
                const current = await starting;
                await current.kill();
                kills.host += 1;
                starting = startHostUntilUp().then((started) => (host = started));
                await starting;
            },
            async killAzurite(downMs, how = 'kill') {
                await (how === 'kill' ? azurite.kill() : azurite.stop());
                kills.azurite += 1;
                await new Promise((resolve) => setTimeout(resolve, downMs));
                azurite = await startAzurite({ location, persistence: 'disk', ports });
            },
            hostTail: () => host.tail(),
            stop: close,
        };
    } catch (error) {
        await close();
        throw error;
    }
}
