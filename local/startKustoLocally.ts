import { randomUUID } from 'node:crypto';
import type { RunningEmulator } from '../emulator';
import { startKustoEmulator, type RunningKustoEmulator } from '../kusto-emulator';
import type { RelayConfig } from '../src/config/relayConfig';
import { applyEventhouseSetup, describeSetupError } from '../src/eventhouse/applyEventhouseSetup';
import { createEventhouseClient } from '../src/eventhouse/eventhouseClient';
import { toEventhouseSetupTargets } from '../src/eventhouse/toEventhouseSetupTargets';

export interface LocalKusto {
    kusto: RunningKustoEmulator;
    /** The KQL databases set up, in config order. */
    databases: string[];
}

/**
 * When a dataset of the config has the eventhouse sink: the Kusto emulator (trusting the Power BI emulator's tokens,
 * on its clock), each configured database created with a local deployer as Admin, and the tables, mappings, dedup
 * views and the relay identity's Ingestor and Viewer roles applied by the setup the `fabric-setup` script runs
 * (applyEventhouseSetup). Undefined without an eventhouse dataset.
 */
export async function startKustoLocally(options: {
    config: RelayConfig;
    powerBi: RunningEmulator;
    port: number;
    /** The client id of the relay's managed identity (AZURE_CLIENT_ID). */
    relayClientId: string;
    scope: string;
}): Promise<LocalKusto | undefined> {
    if (!options.config.datasets.some((dataset) => dataset.sinks.includes('eventhouse'))) return undefined;
    const kusto = await startKustoEmulator({
        port: options.port,
        tokenSigningKey: options.powerBi.tokenSigningKey,
        now: () => options.powerBi.clock.now(),
    });
    try {
        const deployer = randomUUID();
        const client = createEventhouseClient({
            queryServiceUri: kusto.url,
            scope: options.scope,
            credential: {
                async getToken() {
                    const issued = await kusto.issueToken({ principalId: deployer, clientId: deployer });
                    return {
                        token: issued.access_token,
                        expiresOnTimestamp: Date.now() + 3_000_000,
                        tokenType: 'Bearer',
                    };
                },
            },
        });
        const targets = toEventhouseSetupTargets(options.config, kusto.url, { clientId: options.relayClientId });
        for (const { desired } of targets) {
            await kusto.createDatabase({
                name: desired.database,
                admins: [`aadapp=${deployer}`],
                ingestors: [],
                viewers: [],
            });
            const report = await applyEventhouseSetup(client, desired, { pollIntervalMs: 20 }).catch(
                (error: unknown) => {
                    throw new Error(describeSetupError(error, desired));
                },
            );
            if (report.outcome !== 'done') {
                const problems = 'problems' in report ? report.problems.join('; ') : report.outcome;
                throw new Error(`Eventhouse setup of database '${desired.database}' failed: ${problems}`);
            }
        }
        return { kusto, databases: targets.map((target) => target.desired.database) };
    } catch (error) {
        await kusto.close();
        throw error;
    }
}
