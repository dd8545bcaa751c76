import type { RunningEmulator } from '../emulator';
import { startKustoEmulator, type RunningKustoEmulator } from '../kusto-emulator';
import { hasEventhouseSink, type RelayConfig } from '../src/config/relayConfig';
import { setUpKustoDatabases } from './setUpKustoDatabases';

export interface LocalKusto {
    kusto: RunningKustoEmulator;
    /** The KQL databases set up, in config order. */
    databases: string[];
}

/**
 * When a dataset of the config has the eventhouse sink: the Kusto emulator (trusting the Power BI emulator's tokens,
 * on its clock), with each configured database set up as `fabric-setup` would (setUpKustoDatabases). Undefined
 * without an eventhouse dataset.
 */
export async function startKustoLocally(options: {
    config: RelayConfig;
    powerBi: RunningEmulator;
    port: number;
    /** The client id of the relay's managed identity (AZURE_CLIENT_ID). */
    relayClientId: string;
    scope: string;
}): Promise<LocalKusto | undefined> {
    if (!hasEventhouseSink(options.config)) return undefined;
    const kusto = await startKustoEmulator({
        port: options.port,
        tokenSigningKey: options.powerBi.tokenSigningKey,
        now: () => options.powerBi.clock.now(),
    });
    try {
        return { kusto, databases: await setUpKustoDatabases(kusto, options) };
    } catch (error) {
        await kusto.close();
        throw error;
    }
}
