import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../scripts/compareSinks';
import { parseRelayConfig } from '../../src/config/relayConfig';
import { applyEventhouseSetup } from '../../src/eventhouse/applyEventhouseSetup';
import { createEventhouseClient } from '../../src/eventhouse/eventhouseClient';
import { toEventId } from '../../src/eventhouse/kustoTableSchema';
import { toEventhouseSetupTargets } from '../../src/eventhouse/toEventhouseSetupTargets';
import { createPowerBiClient } from '../../src/powerbi/powerBiClient';
import {
    adminClientId,
    objectIdOf,
    startKustoTestBed,
    type KustoTestBed,
} from '../kusto-emulator/support/kustoTestBed';
import { tokenCredentialOf } from '../kusto-emulator/support/tokenCredentialOf';

const db = 'Telemetry';
let bed: KustoTestBed;
let scratch: string;
let configPath: string;
let workspaceId: string;

const relayConfig = {
    datasets: [
        {
            name: 'SalesMarketing',
            eventhouse: { database: db, tables: { Orders: { table: 'OrdersRaw' } } },
            tables: [
                { name: 'Product', columns: [{ name: 'ProductID', dataType: 'Int64' }] },
                { name: 'Orders', columns: [{ name: 'OrderID', dataType: 'Int64' }] },
            ],
        },
        // Push only: not compared.
        { name: 'PushOnly', tables: [{ name: 'T', columns: [{ name: 'A', dataType: 'String' }] }] },
    ],
};

/** The signed-in user, Admin of the workspace and of the database. */
let credential: TokenCredential;
const kustoScope = 'https://kusto.kusto.windows.net/.default';

beforeAll(async () => {
    bed = await startKustoTestBed(db);
    credential = tokenCredentialOf(bed, adminClientId);
    scratch = mkdtempSync(join(tmpdir(), 'pbi-compare-sinks-'));
    configPath = join(scratch, 'pbi-relay.config.json');
    writeFileSync(configPath, JSON.stringify(relayConfig));
    ({ id: workspaceId } = await bed.powerBi.createWorkspace({
        name: 'Relay',
        members: [{ principalId: objectIdOf(adminClientId), role: 'Admin', principalType: 'App' }],
    }));
    const config = parseRelayConfig(relayConfig, 'test');
    const { id: datasetId } = await bed.powerBi.createPushDataset({
        workspaceId,
        dataset: { name: 'SalesMarketing', tables: relayConfig.datasets[0]!.tables },
    });
    const powerBi = createPowerBiClient({
        baseUrl: `${bed.powerBi.url}/v1.0/myorg`,
        credential,
        scope: 'https://analysis.windows.net/powerbi/api/.default',
        timeoutMs: 10_000,
    });
    const pushed = [
        await powerBi.postRows(workspaceId, datasetId, 'Product', [
            { ProductID: 1 },
            { ProductID: 2 },
            { ProductID: 3 },
        ]),
        await powerBi.postRows(workspaceId, datasetId, 'Orders', [{ OrderID: 1 }, { OrderID: 2 }]),
    ];
    expect(pushed.map((result) => result.ok)).toEqual([true, true]);

    const kusto = createEventhouseClient({ queryServiceUri: bed.kusto.url, credential, scope: kustoScope });
    const [target] = toEventhouseSetupTargets(config, bed.kusto.url);
    expect((await applyEventhouseSetup(kusto, target!.desired)).outcome).toBe('done');
    const product = (index: number) => ({ EventId: toEventId('a', index), ProductID: index + 1, IngestionId: 'a' });
    await kusto.ingest(db, 'Product', 'Product_json', [product(0), product(1), product(2)]);
    // The answer to the last part was lost, so it was sent again: a duplicate in the raw table, not in the view.
    await kusto.ingest(db, 'Product', 'Product_json', [product(2)]);
    // One order still in flight.
    await kusto.ingest(db, 'OrdersRaw', 'Orders_json', [{ EventId: toEventId('b', 0), OrderID: 1, IngestionId: 'b' }]);
});
afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await bed.close();
});

describe('npm run compare-sinks against both emulators', () => {
    it('prints the push, view and raw counts of each dual-written table with their differences', async () => {
        const out: string[] = [];
        const exitCode = await main(['--config', configPath], {
            env: {
                POWERBI_API_BASE_URL: `${bed.powerBi.url}/v1.0/myorg`,
                POWERBI_WORKSPACE_ID: workspaceId,
                EVENTHOUSE_QUERY_SERVICE_URI: bed.kusto.url,
            },
            credential,
            log: (line) => out.push(line),
            error: (line) => out.push(line),
        });
        expect(exitCode).toBe(0);
        expect(out.join('\n').split('\n')).toEqual([
            'dataset         table    push dataset  eventhouse view  eventhouse raw  push - view  duplicates',
            '--------------  -------  ------------  ---------------  --------------  -----------  ----------',
            'SalesMarketing  Product             3                3               4            0           1',
            'SalesMarketing  Orders              2                1               1            1           0',
            'pbi-relay compare-sinks: counts differ while rows are in flight; compare once both queues are empty.',
        ]);
    });

    it('names a count that failed and exits 1', async () => {
        const out: string[] = [];
        const exitCode = await main(['--config', configPath], {
            env: {
                POWERBI_API_BASE_URL: `${bed.powerBi.url}/v1.0/myorg`,
                POWERBI_WORKSPACE_ID: workspaceId,
            },
            credential,
            log: (line) => out.push(line),
            error: (line) => out.push(line),
        });
        expect(exitCode).toBe(1);
        expect(out.join('\n')).toContain('no query service URI (EVENTHOUSE_QUERY_SERVICE_URI)');
        expect(out.at(-1)).toBe('pbi-relay compare-sinks: 2 table(s) could not be counted in full.');
    });
});
