import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayLocally, type LocalRelay } from '../../local/startRelayLocally';
import { waitFor } from '../support/waitFor';

/** `npm start`'s app, settings, config and demo workspace on free ports, driven over HTTP as a sender would. */
const root = join(__dirname, '..', '..');
const fixture = (name: string) => readFileSync(join(root, 'test', 'fixtures', 'sources', name), 'utf8');
let local: LocalRelay;
beforeAll(async () => {
    local = await startRelayLocally({
        appRoot: root,
        port: 0,
        emulatorPort: 0,
        storagePorts: { blob: 0, queue: 0, table: 0 },
        logger: () => undefined,
    });
});
afterAll(async () => {
    await local?.close();
});

const sourceUrl = (source: string) => `${local.url}/api/sources/${source}`;
const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

async function arrivedRows(dataset: string, table: string, count: number) {
    return waitFor(
        async () => {
            const rows =
                (await local.emulator.datasets()).find((d) => d.name === dataset)?.tables.find((t) => t.name === table)
                    ?.rows ?? [];
            return rows.length >= count ? rows : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
    );
}

describe('what real senders send reaches Power BI through the local host', () => {
    it('registers the sources endpoint and the hourly purge of expired event ids', () => {
        expect(local.hosts[0]!.functions).toEqual(expect.arrayContaining(['ingestSource', 'purgeEventIds']));
    });

    it("accepts Microsoft's own Add Rows example body unchanged (ManufacturedOn 07/30/2014) and delivers it", async () => {
        // PostRowsInGroup's x-ms-examples in Microsoft's OpenAPI spec (microsoft/PowerBI-CSharp swagger.json).
        const body = `{
  "rows": [
    { "ProductID": 1, "Name": "Adjustable Race", "Category": "Components", "IsCompete": true, "ManufacturedOn": "07/30/2014" },
    { "ProductID": 2, "Name": "LL Crankarm", "Category": "Components", "IsCompete": true, "ManufacturedOn": "07/30/2014" },
    { "ProductID": 3, "Name": "HL Mountain Frame - Silver", "Category": "Bikes", "IsCompete": true, "ManufacturedOn": "07/30/2014" }
  ]
}`;
        const response = await post(`${local.url}/api/datasets/SalesMarketing/tables/Product/rows`, body);
        expect(response.status).toBe(202);
        const rows = await arrivedRows('SalesMarketing', 'Product', 3);
        expect(rows.map((row) => [row.ProductID, row.Name, row.ManufacturedOn])).toEqual([
            [1, 'Adjustable Race', '2014-07-30T00:00:00.000Z'],
            [2, 'LL Crankarm', '2014-07-30T00:00:00.000Z'],
            [3, 'HL Mountain Frame - Silver', '2014-07-30T00:00:00.000Z'],
        ]);
    });

    it('maps a GitHub push webhook to Commits and Pushes rows that arrive, and answers its redelivery without adding rows', async () => {
        const headers = { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
        const response = await post(sourceUrl('github-push'), fixture('github-push.json'), headers);
        expect(response.status).toBe(202);
        expect(await response.json()).toEqual({
            ingestionId: expect.any(String),
            rows: 3,
            tables: { Commits: 2, Pushes: 1 },
            events: 1,
            filtered: 0,
            duplicates: 0,
        });
        const rows = await arrivedRows('GitHub', 'Commits', 2);
        expect(rows.map((row) => [row.CommitId, row.Timestamp])).toEqual([
            ['4e5ba4e0c6f1c2a7a1b7e2f9ce1f6c1d2e3a4b5c', '2019-05-15T22:20:30.000Z'],
            ['0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', '2019-05-15T22:24:17.000Z'],
        ]);
        const pushes = await arrivedRows('GitHub', 'Pushes', 1);
        expect(pushes.map((row) => [row.DeliveryId, row.Ref, row.Commits, row.PushedAt])).toEqual([
            ['72d3162e-cc78-11e3-81ab-4c9367dc0958', 'refs/heads/main', 2, '2019-05-15T15:20:57.000Z'],
        ]);
        const redelivery = await post(sourceUrl('github-push'), fixture('github-push.json'), headers);
        expect({ status: redelivery.status, body: await redelivery.json() }).toEqual({
            status: 200,
            body: { rows: 0, events: 1, filtered: 0, duplicates: 1 },
        });
    });

    it('delivers a Stripe charge.succeeded event to Payments and an Azure Monitor alert to Alerts', async () => {
        expect((await post(sourceUrl('stripe'), fixture('stripe-charge-succeeded.json'))).status).toBe(202);
        expect((await post(sourceUrl('azure-monitor-alerts'), fixture('azure-monitor-alert.json'))).status).toBe(202);
        const [payment] = await arrivedRows('Stripe', 'Payments', 1);
        expect(payment).toMatchObject({ ChargeId: 'ch_3MtwBwLkdIwHu7ix28a3tqPa', Amount: 20.99, Currency: 'USD' });
        const [alert] = await arrivedRows('AzureMonitor', 'Alerts', 1);
        expect(alert).toMatchObject({
            Rule: 'High CPU on web-01',
            Condition: 'Fired',
            FiredAt: '2021-11-17T05:34:48.063Z',
        });
    });

    it('delivers a CloudEvents batch, after the CloudEvents webhook OPTIONS handshake', async () => {
        const handshake = await fetch(sourceUrl('device-telemetry'), {
            method: 'OPTIONS',
            headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
        });
        expect(handshake.status).toBe(200);
        expect(handshake.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
        const refused = await fetch(sourceUrl('device-telemetry'), {
            method: 'OPTIONS',
            headers: { 'WebHook-Request-Origin': 'evil.example' },
        });
        expect(refused.status).toBe(403);
        expect(refused.headers.get('webhook-allowed-origin')).toBeNull();

        const response = await post(sourceUrl('device-telemetry'), fixture('device-telemetry-batch.json'), {
            'Content-Type': 'application/cloudevents-batch+json; charset=utf-8',
        });
        expect(response.status).toBe(202);
        expect(await response.json()).toMatchObject({ rows: 2, events: 3, filtered: 1 });
        const rows = await arrivedRows('Devices', 'Readings', 2);
        expect(rows.map((row) => [row.DeviceId, row.Temperature])).toEqual([
            ['sensor-01', 21.4],
            ['sensor-02', 19.8],
        ]);
    });

    it("answers Event Grid's subscription validation event with its validation code", async () => {
        const response = await post(
            sourceUrl('device-telemetry'),
            JSON.stringify([
                {
                    id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
                    topic: '/subscriptions/xx/resourceGroups/contoso-rg/providers/Microsoft.Devices/IotHubs/contoso-hub',
                    subject: '',
                    data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' },
                    eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
                    eventTime: '2024-03-08T09:10:00.000Z',
                    metadataVersion: '1',
                    dataVersion: '1',
                },
            ]),
            { 'aeg-event-type': 'SubscriptionValidation' },
        );
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    });

    it('names the source and the expression error in a 400 and delivers nothing', async () => {
        const response = await post(sourceUrl('github-push'), '{"commits":[{"id":1}]}', { 'X-GitHub-Event': 'push' });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
            error: {
                code: 'MissingEventId',
                message:
                    'Source "github-push": the eventId expression gave no string or number for this payload; nothing was enqueued',
            },
        });
    });
});
