import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../scripts/fabricSetup';
import {
    adminClientId,
    fqn,
    objectIdOf,
    relayClientId,
    startKustoTestBed,
    tenantId,
    viewerClientId,
    type KustoTestBed,
} from '../kusto-emulator/support/kustoTestBed';
import { tokenCredentialOf } from '../kusto-emulator/support/tokenCredentialOf';

const db = 'Telemetry';
let bed: KustoTestBed;
let scratch: string;
let configPath: string;

const deployer = (clientId: string) => tokenCredentialOf(bed, clientId);

beforeAll(async () => {
    bed = await startKustoTestBed('Unused');
    scratch = mkdtempSync(join(tmpdir(), 'pbi-fabric-setup-'));
    configPath = join(scratch, 'pbi-relay.config.json');
    writeFileSync(
        configPath,
        JSON.stringify({
            datasets: [
                {
                    name: 'SalesMarketing',
                    eventhouse: { database: db },
                    tables: [
                        {
                            name: 'Product',
                            columns: [
                                { name: 'ProductID', dataType: 'Int64' },
                                { name: 'Name', dataType: 'string' },
                            ],
                        },
                    ],
                },
            ],
        }),
    );
});
afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await bed.close();
});
beforeEach(async () => {
    await bed.kusto.reset();
});

async function run(argv: string[], env: Record<string, string> = {}, as = adminClientId, config = configPath) {
    const out: string[] = [];
    const err: string[] = [];
    const exitCode = await main(['--config', config, ...argv], {
        env: { MANAGED_IDENTITY_CLIENT_ID: relayClientId, AZURE_TENANT_ID: tenantId, ...env },
        credential: deployer(as),
        readAzdEnv: async () => ({}),
        sleep: async () => undefined,
        log: (line) => out.push(line),
        error: (line) => err.push(line),
    });
    return { exitCode, out: out.join('\n'), err: err.join('\n') };
}

/** A run with no settings at all (no identity, no azd environment): its output and errors as one list of lines. */
async function runWithoutEnv(config: string) {
    const out: string[] = [];
    const exitCode = await main(['--config', config], {
        env: {},
        credential: deployer(adminClientId),
        readAzdEnv: async () => ({}),
        log: (line) => out.push(line),
        error: (line) => out.push(line),
    });
    return { exitCode, out };
}

const changes = async () =>
    (await bed.kusto.requests()).filter((entry) => entry.operation === 'mgmt' && !/^\.show/i.test(entry.csl ?? ''));

describe('npm run fabric-setup against the Kusto emulator', () => {
    it('creates everything on the first run, changes nothing on the second, and --dry-run changes nothing', async () => {
        await bed.kusto.createDatabase({ name: db, admins: [fqn(adminClientId)], ingestors: [], viewers: [] });
        const env = { EVENTHOUSE_QUERY_SERVICE_URI: bed.kusto.url };
        const dry = await run(['--dry-run'], env);
        expect(dry.exitCode).toBe(0);
        expect(dry.out).toContain("to do     table 'Product' (create)");
        expect(dry.out).toContain(
            ".create-merge table ['Product'] (['EventId']:string, ['ProductID']:long, ['Name']:string, ['IngestionId']:string)",
        );
        expect(await changes()).toEqual([]);

        const first = await run([], env);
        expect(first).toMatchObject({ exitCode: 0, err: '' });
        expect(first.out.split('\n').slice(1, -1)).toEqual([
            "  done      table 'Product' (create)",
            "  done      mapping 'Product_json' of table 'Product' (create)",
            "  done      materialized view 'Product_dedup' (create)",
            `  done      Ingestor role of ${fqn(relayClientId)} (grant)`,
            `  done      Viewer role of ${fqn(relayClientId)} (grant)`,
        ]);
        expect(first.out).toMatch(
            /0 in place, 5 done, 0 to do, 0 blocked or failed; 0 of 1 database\(s\) with problems\.$/,
        );
        const [database] = (await bed.kusto.databases()).filter((candidate) => candidate.name === db);
        expect(database).toBeDefined();

        await bed.kusto.clearRequests();
        const second = await run([], env);
        expect(second.exitCode).toBe(0);
        expect(second.out).toMatch(/5 in place, 0 done, 0 to do/);
        expect(await changes()).toEqual([]);
    });

    it('finds the query service URI through the Fabric REST API (GET /v1/workspaces/{ws}/eventhouses)', async () => {
        const workspace = await bed.kusto.createWorkspace({
            name: 'Analytics',
            members: [{ principalId: objectIdOf(adminClientId), role: 'Contributor' }],
        });
        await bed.kusto.createEventhouse({
            workspaceId: workspace.id,
            displayName: 'Relay',
            databases: [{ name: db }, { name: `${db}Ops` }],
        });
        // Two datasets in two databases of the Eventhouse.
        const twoDatabases = join(scratch, 'two-databases.config.json');
        const [dataset] = (JSON.parse(readFileSync(configPath, 'utf8')) as { datasets: Record<string, unknown>[] })
            .datasets;
        writeFileSync(
            twoDatabases,
            JSON.stringify({
                datasets: [dataset, { ...dataset, name: 'Operations', eventhouse: { database: `${db}Ops` } }],
            }),
        );
        const result = await run(
            ['--workspace', workspace.id],
            { FABRIC_API_BASE_URL: bed.kusto.url },
            adminClientId,
            twoDatabases,
        );
        expect(result).toMatchObject({ exitCode: 0, err: '' });
        expect(result.out).toContain(`database '${db}' at ${bed.kusto.url}`);
        expect(result.out).toContain(`database '${db}Ops' at ${bed.kusto.url}`);
        expect(result.out).toMatch(/10 done/);
        const fabric = (await bed.kusto.requests()).filter((entry) => entry.operation === 'fabric');
        // Both lists at once, and once for the whole run (two databases).
        expect(fabric.map((entry) => entry.path).sort()).toEqual([
            `/v1/workspaces/${workspace.id}/eventhouses`,
            `/v1/workspaces/${workspace.id}/kqlDatabases`,
        ]);
    });

    it('names the missing Admin role when the signed-in user is only a Viewer, and exits 1', async () => {
        await bed.kusto.createDatabase({
            name: db,
            admins: [fqn(adminClientId)],
            ingestors: [],
            viewers: [fqn(viewerClientId)],
        });
        const result = await run([], { EVENTHOUSE_QUERY_SERVICE_URI: bed.kusto.url }, viewerClientId);
        expect(result.exitCode).toBe(1);
        expect(result.err).toContain('reading the database principals needs the Admin role');
        expect(result.err).toContain(`database '${db}': nothing was changed.`);
        expect(await changes()).toEqual([]);
    });

    it('says how to give the query service URI, and needs the identity for its roles', async () => {
        const noUri = await run([]);
        expect(noUri.exitCode).toBe(1);
        expect(noUri.err).toContain('no query service URI: set eventhouse.queryServiceUri');
        const noIdentity = await runWithoutEnv(configPath);
        expect(noIdentity.exitCode).toBe(2);
        expect(noIdentity.out.join('\n')).toContain("The managed identity's client id is needed for its roles");
    });

    it('with no dataset on the eventhouse sink: nothing to set up, exit 0, without asking for the identity', async () => {
        const powerBiOnly = join(scratch, 'power-bi-only.config.json');
        writeFileSync(
            powerBiOnly,
            JSON.stringify({
                datasets: [
                    {
                        name: 'SalesMarketing',
                        tables: [{ name: 'Product', columns: [{ name: 'Id', dataType: 'Int64' }] }],
                    },
                ],
            }),
        );
        const { exitCode, out } = await runWithoutEnv(powerBiOnly);
        expect(exitCode).toBe(0);
        expect(out).toEqual([
            `pbi-relay fabric-setup: no dataset in ${powerBiOnly} has the eventhouse sink; nothing to set up.`,
        ]);
        expect(await bed.kusto.requests()).toEqual([]);
    });
});
