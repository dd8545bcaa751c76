import { randomUUID } from 'node:crypto';
import type { DatabaseInput, IssuedKustoToken, KustoTokenInput } from '../kusto-emulator';
import type { RelayConfig } from '../src/config/relayConfig';
import { applyEventhouseSetup, describeSetupError } from '../src/eventhouse/applyEventhouseSetup';
import { createEventhouseClient } from '../src/eventhouse/eventhouseClient';
import { toEventhouseSetupTargets } from '../src/eventhouse/toEventhouseSetupTargets';

/** What the setup needs of a Kusto emulator: the in-process one (RunningKustoEmulator) or its control API. */
export interface KustoEmulatorSetupHandle {
    url: string;
    issueToken(input: KustoTokenInput): Promise<IssuedKustoToken>;
    createDatabase(input: DatabaseInput): Promise<{ name: string }>;
}

/**
 * Each database the config's eventhouse datasets name, created in the Kusto emulator with a local deployer as
 * Admin, and the tables, mappings, dedup views and the relay identity's Ingestor and Viewer roles applied by the
 * setup the `fabric-setup` script runs (applyEventhouseSetup). Returns the databases, in config order.
 */
export async function setUpKustoDatabases(
    kusto: KustoEmulatorSetupHandle,
    options: {
        config: Pick<RelayConfig, 'datasets'>;
        /** The client id of the relay's managed identity (AZURE_CLIENT_ID). */
        relayClientId: string;
        scope: string;
    },
): Promise<string[]> {
    const deployer = randomUUID();
    const client = createEventhouseClient({
        queryServiceUri: kusto.url,
        scope: options.scope,
        credential: {
            async getToken() {
                const issued = await kusto.issueToken({ principalId: deployer, clientId: deployer });
                return { token: issued.access_token, expiresOnTimestamp: Date.now() + 3_000_000, tokenType: 'Bearer' };
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
        const report = await applyEventhouseSetup(client, desired, { pollIntervalMs: 20 }).catch((error: unknown) => {
            throw new Error(describeSetupError(error, desired));
        });
        if (report.outcome !== 'done') {
            const problems = 'problems' in report ? report.problems.join('; ') : report.outcome;
            throw new Error(`Eventhouse setup of database '${desired.database}' failed: ${problems}`);
        }
    }
    return targets.map((target) => target.desired.database);
}
