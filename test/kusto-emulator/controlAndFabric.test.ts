import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fabricAudience, startKustoEmulator, type RunningKustoEmulator } from '../../kusto-emulator';
import { countOf, createProductTable, fqn, kustoClient, productRecord } from './support/kustoTestBed';

const workspaceId = 'f1000000-0000-4000-8000-000000000001';
const eventhouseId = 'f2000000-0000-4000-8000-000000000002';
const databaseId = 'f3000000-0000-4000-8000-000000000003';
const memberId = 'f4000000-0000-4000-8000-000000000004';
const readerId = 'f5000000-0000-4000-8000-000000000005';
const adminClient = 'f6000000-0000-4000-8000-000000000006';

let kusto: RunningKustoEmulator;

beforeAll(async () => {
    kusto = await startKustoEmulator();
});
afterAll(() => kusto.close());
beforeEach(() => kusto.reset());

const token = async (principalId: string, audience = 'https://kusto.kusto.windows.net', clientId?: string) =>
    (await kusto.issueToken({ principalId, audience, ...(clientId ? { clientId } : {}) })).access_token;

async function seedFabric(): Promise<void> {
    await kusto.applySeed({
        workspaces: [
            {
                id: workspaceId,
                name: 'Sales',
                members: [
                    { principalId: memberId, role: 'Contributor' },
                    { principalId: readerId, role: 'Viewer' },
                ],
            },
        ],
        eventhouses: [
            {
                id: eventhouseId,
                workspaceId,
                displayName: 'SalesHouse',
                databases: [{ id: databaseId, name: 'Sales' }],
            },
        ],
    });
}

describe('control API', () => {
    it('creates databases with principals and tables, lists them, refuses duplicates and bad input', async () => {
        await kusto.createDatabase({
            name: 'Ops',
            admins: [fqn(adminClient)],
            tables: [{ name: 'Events', columns: [{ name: 'EventId', type: 'string' }] }],
        });
        expect(await kusto.databases()).toEqual([
            {
                name: 'Ops',
                principals: [{ role: 'Admin', fqn: fqn(adminClient), notes: 'seeded' }],
                tables: ['Events'],
                materializedViews: [],
            },
        ]);
        const post = (path: string, body: unknown) =>
            fetch(`${kusto.url}/_emulator${path}`, { method: 'POST', body: JSON.stringify(body) });
        expect((await post('/databases', { name: 'Ops' })).status).toBe(409);
        expect((await post('/databases', { name: 'X', admins: ['aaduser=x'] })).status).toBe(400);
        expect((await post('/databases', { name: 'X', unknown: 1 })).status).toBe(400);
        expect((await fetch(`${kusto.url}/_emulator/nothing`)).status).toBe(404);
    });

    it('GET /_emulator/tables returns rows with their ingestion time, filtered by db and table', async () => {
        await kusto.createDatabase({ name: 'Ops', admins: [fqn(adminClient)] });
        const admin = kustoClient(kusto.url, await token(adminClient, undefined, adminClient));
        await createProductTable(admin, 'Ops');
        expect((await admin.ingest('Ops', 'Product', JSON.stringify([productRecord('c:0')]))).status).toBe(200);
        const response = await fetch(`${kusto.url}/_emulator/tables?db=Ops&table=Product`);
        const body = (await response.json()) as {
            value: { rows: { values: { EventId: string }; ingestionTime: string }[]; mappings: string[] }[];
        };
        expect(body.value).toHaveLength(1);
        expect(body.value[0]?.mappings).toEqual(['Product_mapping']);
        expect(body.value[0]?.rows[0]?.values.EventId).toBe('c:0');
        expect(Date.parse(body.value[0]?.rows[0]?.ingestionTime ?? '')).not.toBeNaN();
        const none = (await (await fetch(`${kusto.url}/_emulator/tables?db=Nope`)).json()) as { value: unknown[] };
        expect(none.value).toEqual([]);
    });

    it('logs calls (not control calls) and forgets everything on reset', async () => {
        await kusto.createDatabase({ name: 'Ops', admins: [fqn(adminClient)] });
        const admin = kustoClient(kusto.url, await token(adminClient, undefined, adminClient));
        await admin.call('POST', '/v1/rest/mgmt', {
            body: JSON.stringify({ db: 'Ops', csl: '.show tables' }),
            headers: { 'content-type': 'application/json', 'x-ms-client-request-id': 'setup;1' },
        });
        expect(await kusto.requests()).toEqual([
            expect.objectContaining({
                method: 'POST',
                path: '/v1/rest/mgmt',
                operation: 'mgmt',
                database: 'Ops',
                csl: '.show tables',
                clientRequestId: 'setup;1',
                principal: fqn(adminClient),
                status: 200,
            }),
        ]);
        await kusto.injectFaults({ kind: 'hang' });
        await fetch(`${kusto.url}/_emulator/reset`, { method: 'POST' });
        expect(await kusto.databases()).toEqual([]);
        expect(await kusto.requests()).toEqual([]);
        expect(await kusto.faults()).toEqual([]);
    });

    it('answers unknown paths 404 and wrong methods 405, with an activity id', async () => {
        const client = kustoClient(kusto.url);
        const unknown = await client.call('GET', '/v1/rest/nothing');
        expect(unknown.status).toBe(404);
        expect(unknown.body.error['@context'].activityId).toBe(unknown.headers.get('x-ms-activity-id'));
        expect((await client.call('GET', '/v1/rest/mgmt')).status).toBe(405);
        expect((await client.call('GET', '/v1/rest/ingest/a/b')).status).toBe(405);
    });
});

describe('Fabric workspaces and roles', () => {
    it('lists eventhouses and KQL databases with the emulator as queryServiceUri', async () => {
        await seedFabric();
        const fabric = kustoClient(kusto.url, await token(readerId, fabricAudience));
        const eventhouses = await fabric.call('GET', `/v1/workspaces/${workspaceId}/eventhouses`);
        expect(eventhouses.status).toBe(200);
        expect(eventhouses.body.value).toEqual([
            {
                id: eventhouseId,
                type: 'Eventhouse',
                displayName: 'SalesHouse',
                description: '',
                workspaceId,
                properties: {
                    queryServiceUri: kusto.url,
                    ingestionServiceUri: kusto.url,
                    databasesItemIds: [databaseId],
                    minimumConsumptionUnits: 0,
                },
            },
        ]);
        const one = await fabric.call('GET', `/v1/workspaces/${workspaceId}/eventhouses/${eventhouseId}`);
        expect(one.body.properties.queryServiceUri).toBe(kusto.url);
        const databases = await fabric.call('GET', `/v1/workspaces/${workspaceId}/kqlDatabases`);
        expect(databases.body.value[0]).toMatchObject({
            id: databaseId,
            type: 'KQLDatabase',
            displayName: 'Sales',
            properties: { parentEventhouseItemId: eventhouseId, queryServiceUri: kusto.url },
        });
        expect((await fabric.call('GET', `/v1/workspaces/${workspaceId}/kqlDatabases/${databaseId}`)).status).toBe(200);
    });

    it('answers Fabric errors: wrong audience 401, unknown workspace or item 404, no role 403', async () => {
        await seedFabric();
        const kustoToken = kustoClient(kusto.url, await token(readerId));
        const unauthorized = await kustoToken.call('GET', `/v1/workspaces/${workspaceId}/eventhouses`);
        expect(unauthorized.status).toBe(401);
        expect(unauthorized.body.errorCode).toBeDefined();
        const fabric = kustoClient(kusto.url, await token(readerId, fabricAudience));
        const missing = await fabric.call('GET', `/v1/workspaces/${eventhouseId}/eventhouses`);
        expect(missing.status).toBe(404);
        expect(missing.body.errorCode).toBe('WorkspaceNotFound');
        expect(missing.headers.get('x-ms-public-api-error-code')).toBe('WorkspaceNotFound');
        expect((await fabric.call('GET', `/v1/workspaces/${workspaceId}/eventhouses/${databaseId}`)).status).toBe(404);
        const outsider = kustoClient(kusto.url, await token(adminClient, fabricAudience));
        expect((await outsider.call('GET', `/v1/workspaces/${workspaceId}/eventhouses`)).status).toBe(403);
    });

    it('gives workspace Contributors database Admin and workspace Viewers database Viewer', async () => {
        await seedFabric();
        const contributor = kustoClient(kusto.url, await token(memberId));
        await createProductTable(contributor, 'Sales');
        expect((await contributor.ingest('Sales', 'Product', JSON.stringify([productRecord('w:0')]))).status).toBe(200);
        const reader = kustoClient(kusto.url, await token(readerId));
        expect(countOf(await reader.query('Sales', 'Product | count'))).toBe(1);
        expect((await reader.ingest('Sales', 'Product', JSON.stringify([productRecord('w:1')]))).status).toBe(403);
        expect((await reader.mgmt('Sales', '.create-merge table X (A:string)')).status).toBe(403);
    });
});
