import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdempotencyStore } from '../../src/ingest/idempotencyStore';
import { ingestSource, type SourceRequest } from '../../src/ingest/sources/ingestSource';
import { deliverRows } from '../../src/push/deliverRows';
import { rowsMessageSchema } from '../../src/queue/rowsMessage';
import type { Relay } from '../../src/runtime/relay';
import { withUnconfirmedSends } from '../support/unconfirmedSends';
import { startRelayTestBed, type RelayTestBed } from './relayTestBed';

const root = join(__dirname, '..', '..');
const fixture = (name: string) => readFileSync(join(root, 'test', 'fixtures', 'sources', name), 'utf8');
/** The shipped config (the four worked sources) plus sources that exercise the error paths. */
const shipped = JSON.parse(readFileSync(join(root, 'pbi-relay.config.json'), 'utf8')) as {
    datasets: { name: string; tables: { name: string; unknownColumns?: string }[] }[];
    sources: unknown[];
};
const config = {
    datasets: shipped.datasets.map((dataset) => ({
        ...dataset,
        tables: dataset.tables.map((table) =>
            ['Readings', 'Pushes'].includes(table.name) ? { ...table, unknownColumns: 'drop' } : table,
        ),
    })),
    sources: [
        ...shipped.sources,
        { name: 'broken', dataset: 'Stripe', table: 'Payments', rows: "$error('no charge in ' & type)" },
        {
            name: 'endless',
            dataset: 'Stripe',
            table: 'Payments',
            mappingTimeoutMs: 50,
            rows: '($loop := function($i) { $loop($i + 1) }; $loop(0))',
        },
        { name: 'many', dataset: 'Stripe', table: 'Payments', maxRows: 5, rows: "[1..6].{ 'ChargeId': $string($) }" },
        { name: 'scalar', dataset: 'Stripe', table: 'Payments', rows: '42' },
        {
            name: 'signed-github',
            dataset: 'GitHub',
            table: 'Commits',
            signature: { scheme: 'github', secretSetting: 'GITHUB_WEBHOOK_SECRET' },
            eventId: '$headers.`x-github-delivery`',
            rows: "commits.{ 'Repository': $$.repository.full_name, 'CommitId': id }",
        },
        {
            name: 'github-extra',
            dataset: 'GitHub',
            tables: [
                { table: 'Commits', rows: "commits.{ 'Repository': $$.repository.full_name, 'CommitId': id }" },
                { table: 'Pushes', rows: "{ 'DeliveryId': 'd', 'Repository': repository.full_name, 'Zone': 'north' }" },
            ],
        },
        {
            name: 'extra',
            dataset: 'Devices',
            table: 'Readings',
            accept: ['cloudevents'],
            rows: "{ 'DeviceId': subject, 'Time': time, 'Site': 'north' }",
        },
    ],
};

let bed: RelayTestBed;
let relay: Relay;
beforeAll(async () => {
    bed = await startRelayTestBed();
    ({ relay } = await bed.newRelay(
        { IDEMPOTENCY_TABLE: `idem${Date.now()}`, GITHUB_WEBHOOK_SECRET: 'It is a secret to everybody' },
        config,
    ));
});
afterAll(async () => {
    await bed?.close();
});

const request = (source: string, body: string, headers: Record<string, string> = {}): SourceRequest => {
    const all = { 'content-type': 'application/json', ...headers };
    return { source, headers: all, body: [new TextEncoder().encode(body)] };
};
const send = (source: string, body: string, headers: Record<string, string> = {}) =>
    ingestSource(request(source, body, headers), relay.sources);
/** The queued messages: a table's rows (version 1), or several tables' (version 2, with `tables`). */
const drainRows = async () =>
    ((await bed.drain(relay.settings.ROWS_QUEUE)) as Record<string, unknown>[]).map(
        ({ dataset, table, rows, tables }) => (tables === undefined ? { dataset, table, rows } : { dataset, tables }),
    );
const pushRow = {
    DeliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    Repository: 'Codertocat/Hello-World',
    Ref: 'refs/heads/main',
    Before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    After: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
    Pusher: 'Codertocat',
    Commits: 2,
    Forced: false,
    PushedAt: '2019-05-15T15:20:57.000Z',
    Compare: 'https://github.com/Codertocat/Hello-World/compare/6113728f27ae...0d1a26e67d8f',
};

describe('the worked sources map real payloads to rows', () => {
    it('GitHub push: one Commits row per commit and one Pushes row, in one message; redeliveries (same X-GitHub-Delivery) and pings committed once', async () => {
        const headers = { 'x-github-event': 'push', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
        expect(await send('github-push', fixture('github-push.json'), headers)).toMatchObject({
            kind: 'accepted',
            rows: 3,
            tables: [
                { table: 'Commits', rows: 2 },
                { table: 'Pushes', rows: 1 },
            ],
            claimCheck: false,
            events: 1,
            duplicates: 0,
        });
        const commits = {
            table: 'Commits',
            rowCount: 2,
            rows: [
                {
                    Repository: 'Codertocat/Hello-World',
                    Ref: 'refs/heads/main',
                    CommitId: '4e5ba4e0c6f1c2a7a1b7e2f9ce1f6c1d2e3a4b5c',
                    Message: 'Fix the README typo',
                    Author: 'Codertocat',
                    Timestamp: '2019-05-15T22:20:30.000Z',
                    Url: 'https://github.com/Codertocat/Hello-World/commit/4e5ba4e0c6f1c2a7a1b7e2f9ce1f6c1d2e3a4b5c',
                    Pusher: 'Codertocat',
                },
                expect.objectContaining({
                    CommitId: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
                    Author: 'Octocat',
                }),
            ],
        };
        expect(await drainRows()).toEqual([
            { dataset: 'GitHub', tables: [commits, { table: 'Pushes', rowCount: 1, rows: [pushRow] }] },
        ]);
        expect(await send('github-push', fixture('github-push.json'), headers)).toEqual({
            kind: 'nothingToCommit',
            events: 1,
            filtered: 0,
            duplicates: 1,
        });
        const ping = { 'x-github-event': 'ping', 'x-github-delivery': 'a1b2' };
        expect(await send('github-push', '{"zen":"Design for failure.","hook_id":1}', ping)).toMatchObject({
            kind: 'nothingToCommit',
            filtered: 1,
        });
        expect(await drainRows()).toEqual([]);
    });

    it('GitHub push without commits (a branch deleted): only its Pushes row, as a one-table message', async () => {
        const push = JSON.parse(fixture('github-push.json')) as Record<string, unknown>;
        const deleted = { ...push, after: '0'.repeat(40), deleted: true, commits: [], head_commit: null };
        const headers = { 'x-github-event': 'push', 'x-github-delivery': 'deleted-1' };
        expect(await send('github-push', JSON.stringify(deleted), headers)).toMatchObject({
            kind: 'accepted',
            rows: 1,
            tables: [
                { table: 'Commits', rows: 0 },
                { table: 'Pushes', rows: 1 },
            ],
        });
        expect(await drainRows()).toEqual([
            {
                dataset: 'GitHub',
                table: 'Pushes',
                rows: [{ ...pushRow, DeliveryId: 'deleted-1', After: '0'.repeat(40), Commits: 0 }],
            },
        ]);
    });

    it('GitHub push too large for a queue message: the Commits rows in their own claim-check blob, Pushes inline', async () => {
        const push = JSON.parse(fixture('github-push.json')) as { commits: Record<string, unknown>[] };
        const [commit] = push.commits;
        const commits = Array.from({ length: 400 }, (_, i) => ({
            ...commit,
            id: i.toString(16).padStart(40, '0'),
            message: `Commit ${i} `.padEnd(200, '.'),
        }));
        const headers = { 'x-github-event': 'push', 'x-github-delivery': 'large-1' };
        const outcome = await send('github-push', JSON.stringify({ ...push, commits }), headers);
        expect(outcome).toMatchObject({ kind: 'accepted', rows: 401, claimCheck: true });
        const [message] = (await bed.drain(relay.settings.ROWS_QUEUE)) as {
            tables: { table: string; rowCount: number; rows?: unknown[]; blob?: string }[];
        }[];
        const ingestionId = outcome.kind === 'accepted' ? outcome.ingestionId : '';
        expect(message?.tables).toEqual([
            { table: 'Commits', rowCount: 400, blob: `${ingestionId}.0.json` },
            { table: 'Pushes', rowCount: 1, rows: [{ ...pushRow, DeliveryId: 'large-1', Commits: 400 }] },
        ]);
        const stored = await relay.sources.blobs.get(`${ingestionId}.0.json`);
        expect(stored?.map((row) => row.CommitId)).toEqual(commits.map((c) => c.id));
    });

    it('Stripe charge.succeeded: the charge in currency units, created as a UTC date-time; other event types skipped', async () => {
        expect(await send('stripe', fixture('stripe-charge-succeeded.json'))).toMatchObject({
            kind: 'accepted',
            rows: 1,
        });
        expect(await drainRows()).toEqual([
            {
                dataset: 'Stripe',
                table: 'Payments',
                rows: [
                    {
                        ChargeId: 'ch_3MtwBwLkdIwHu7ix28a3tqPa',
                        Amount: 20.99,
                        Currency: 'USD',
                        Status: 'succeeded',
                        Customer: 'cus_NffrFeUfNV2Hib',
                        Description: 'Order #1042',
                        Created: '2023-03-29T04:27:08.000Z',
                        Livemode: false,
                    },
                ],
            },
        ]);
        const failed = fixture('stripe-charge-succeeded.json')
            .replace('"charge.succeeded"', '"charge.failed"')
            .replace('evt_3MtwBwLkdIwHu7ix28a3tqPa', 'evt_other');
        expect(await send('stripe', failed)).toMatchObject({ kind: 'nothingToCommit', filtered: 1 });
    });

    it('Azure Monitor common alert schema: one alert row, a fired time without offset read as UTC', async () => {
        expect(await send('azure-monitor-alerts', fixture('azure-monitor-alert.json'))).toMatchObject({
            kind: 'accepted',
            rows: 1,
        });
        expect(await drainRows()).toEqual([
            {
                dataset: 'AzureMonitor',
                table: 'Alerts',
                rows: [
                    {
                        AlertId:
                            '/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.AlertsManagement/alerts/12345678-1234-1234-1234-1234567890ab',
                        Rule: 'High CPU on web-01',
                        Severity: 'Sev3',
                        Condition: 'Fired',
                        FiredAt: '2021-11-17T05:34:48.062Z',
                        Target: '/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/contoso-rg/providers/microsoft.compute/virtualmachines/web-01',
                        SignalType: 'Metric',
                        Service: 'Platform',
                    },
                ],
            },
        ]);
    });

    it('CloudEvents telemetry batch: telemetry events become readings in one message, each event committed once', async () => {
        const headers = { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' };
        expect(await send('device-telemetry', fixture('device-telemetry-batch.json'), headers)).toMatchObject({
            kind: 'accepted',
            rows: 2,
            events: 3,
            filtered: 1,
            duplicates: 0,
        });
        expect(await drainRows()).toEqual([
            {
                dataset: 'Devices',
                table: 'Readings',
                rows: [
                    {
                        DeviceId: 'sensor-01',
                        Time: '2024-03-08T09:15:02.125Z',
                        Temperature: 21.4,
                        Humidity: 41.5,
                        EventId: '9af86784-8d40-fe2b-8b2a-bab65e106785',
                    },
                    {
                        DeviceId: 'sensor-02',
                        Time: '2024-03-08T09:15:03.500Z',
                        Temperature: 19.8,
                        Humidity: 47,
                        EventId: '1f4d2a9c-3b7e-4c1d-9e8f-0a1b2c3d4e5f',
                    },
                ],
            },
        ]);
        const [first] = JSON.parse(fixture('device-telemetry-batch.json')) as Record<string, unknown>[];
        const fresh = { ...first, id: 'fresh-1', time: '2024-03-08T09:16:00Z' };
        const again = JSON.stringify([first, fresh, fresh]);
        expect(await send('device-telemetry', again, headers)).toMatchObject({
            kind: 'accepted',
            rows: 1,
            duplicates: 2,
        });
        expect((await drainRows())[0]?.rows).toEqual([expect.objectContaining({ EventId: 'fresh-1' })]);
        const single = { 'content-type': 'application/cloudevents+json' };
        expect(await send('device-telemetry', JSON.stringify({ ...first, id: 'single-1' }), single)).toMatchObject({
            kind: 'accepted',
            rows: 1,
        });
        await drainRows();
    });

    it('Event Grid schema: answers the subscription validation handshake and maps delivered events', async () => {
        const validation = [
            {
                id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
                topic: '/subscriptions/xx/resourceGroups/contoso-rg/providers/Microsoft.Devices/IotHubs/contoso-hub',
                subject: '',
                data: {
                    validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
                    validationUrl: 'https://rp.example/validate',
                },
                eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
                eventTime: '2024-03-08T09:10:00.000Z',
                metadataVersion: '1',
                dataVersion: '1',
            },
        ];
        expect(
            await send('device-telemetry', JSON.stringify(validation), { 'aeg-event-type': 'SubscriptionValidation' }),
        ).toEqual({ kind: 'eventGridValidation', validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
        const [ce] = JSON.parse(fixture('device-telemetry-batch.json')) as { data: unknown }[];
        const delivered = [
            {
                id: 'eg-1',
                topic: '/subscriptions/xx/resourceGroups/contoso-rg/providers/Microsoft.Devices/IotHubs/contoso-hub',
                subject: 'devices/sensor-01',
                eventType: 'Microsoft.Devices.DeviceTelemetry',
                eventTime: '2024-03-08T09:20:00.000Z',
                data: ce!.data,
                dataVersion: '',
                metadataVersion: '1',
            },
        ];
        expect(
            await send('device-telemetry', JSON.stringify(delivered), { 'aeg-event-type': 'Notification' }),
        ).toMatchObject({ kind: 'accepted', rows: 1 });
        expect((await drainRows())[0]?.rows).toEqual([
            expect.objectContaining({ DeviceId: 'sensor-01', Time: '2024-03-08T09:20:00.000Z', EventId: 'eg-1' }),
        ]);
        expect(
            await send('device-telemetry', JSON.stringify(delivered), { 'aeg-event-type': 'Notification' }),
        ).toMatchObject({ kind: 'nothingToCommit', duplicates: 1 });
    });
});

describe('source requests that cannot be mapped change nothing', () => {
    it.each([
        ['nope', '{}', {}, 404, 'SourceNotFound', 'Source "nope" is not configured'],
        ['stripe', '{', {}, 400, 'InvalidJson', 'not valid JSON'],
        ['stripe', '{}', { 'content-type': 'text/plain' }, 415, 'UnsupportedMediaType', 'is not JSON'],
        [
            'stripe',
            '{}',
            { 'content-type': 'application/cloudevents+json' },
            415,
            'UnsupportedMediaType',
            'accepts json',
        ],
        [
            'device-telemetry',
            '{"id":"1"}',
            { 'content-type': 'application/cloudevents+json' },
            400,
            'InvalidEvent',
            'specversion',
        ],
        ['device-telemetry', '[{"id":"1"}]', {}, 400, 'InvalidEvent', 'events.0.eventType'],
        [
            'broken',
            '{"type":"charge.refunded"}',
            {},
            400,
            'MappingFailed',
            'Source "broken": the rows expression failed: no charge in charge.refunded',
        ],
        [
            'endless',
            '{}',
            {},
            400,
            'MappingTimedOut',
            'Source "endless": the rows expression ran longer than mappingTimeoutMs',
        ],
        ['many', '{}', {}, 400, 'MappingTooLarge', 'Source "many"'],
        ['scalar', '{}', {}, 400, 'MappingFailed', 'item 0 is 42'],
        ['github-push', '{"commits":[]}', { 'x-github-event': 'push' }, 400, 'MissingEventId', 'eventId expression'],
    ])('%s with %s %j answers %i %s', async (source, body, headers, status, code, message) => {
        const outcome = await send(source, body, headers);
        expect(outcome).toMatchObject({ kind: 'rejected', status, code, message: expect.stringContaining(message) });
        expect(await drainRows()).toEqual([]);
    });

    it('validates mapped rows like direct rows, and releases the event ids so a corrected retry is committed', async () => {
        const headers = { 'content-type': 'application/cloudevents+json' };
        const [first] = JSON.parse(fixture('device-telemetry-batch.json')) as Record<string, unknown>[];
        const bad = { ...first, id: 'bad-time', time: undefined };
        const outcome = await send('device-telemetry', JSON.stringify(bad), headers);
        expect(outcome).toMatchObject({
            kind: 'rejected',
            code: 'InvalidRows',
            rowErrors: [{ row: 0, column: 'Time', reason: 'is required' }],
        });
        const fixed = { ...bad, time: '2024-03-08T10:30:00+01:00' };
        expect(await send('device-telemetry', JSON.stringify(fixed), headers)).toMatchObject({ kind: 'accepted' });
        expect((await drainRows())[0]?.rows).toEqual([expect.objectContaining({ Time: '2024-03-08T09:30:00.000Z' })]);
    });

    it('names the dropped properties of a several-table source by table', async () => {
        expect(await send('github-extra', fixture('github-push.json'))).toMatchObject({
            kind: 'accepted',
            rows: 3,
            droppedColumns: ['Pushes.Zone'],
        });
        expect(await drainRows()).toEqual([
            expect.objectContaining({
                tables: [
                    expect.objectContaining({ table: 'Commits', rowCount: 2 }),
                    { table: 'Pushes', rowCount: 1, rows: [{ DeliveryId: 'd', Repository: 'Codertocat/Hello-World' }] },
                ],
            }),
        ]);
    });

    it('validates the rows of every table, names source, table, row and column, and commits no table', async () => {
        const push = JSON.parse(fixture('github-push.json')) as {
            repository: Record<string, unknown>;
            commits: Record<string, unknown>[];
        };
        const [first, second] = push.commits;
        const broken = {
            ...push,
            repository: { ...push.repository, pushed_at: 'yesterday' },
            commits: [first, { ...second, id: undefined }],
        };
        const headers = { 'x-github-event': 'push', 'x-github-delivery': 'broken-1' };
        expect(await send('github-push', JSON.stringify(broken), headers)).toEqual({
            kind: 'rejected',
            status: 400,
            code: 'MappingFailed',
            message: expect.stringMatching(
                /^Source "github-push": the rows expression of table "Pushes" failed: The left side of the "\*" operator must evaluate to a number at character \d+ .*; nothing was enqueued$/,
            ),
        });
        const invalid = { ...broken, repository: { ...push.repository, full_name: 42 } };
        expect(await send('github-push', JSON.stringify(invalid), headers)).toEqual({
            kind: 'rejected',
            status: 400,
            code: 'InvalidRows',
            message:
                'Source "github-push": 3 of 3 rows are invalid (table "Commits": 2 of 2, table "Pushes": 1 of 1); nothing was enqueued',
            invalidRows: 3,
            rowErrors: [
                { table: 'Commits', row: 0, column: 'Repository', reason: 'must be a JSON string (String)' },
                { table: 'Commits', row: 1, column: 'Repository', reason: 'must be a JSON string (String)' },
                { table: 'Commits', row: 1, column: 'CommitId', reason: 'is required' },
                { table: 'Pushes', row: 0, column: 'Repository', reason: 'must be a JSON string (String)' },
            ],
        });
        expect(await drainRows()).toEqual([]);
        // The delivery's id was released: the corrected payload is committed.
        expect(await send('github-push', fixture('github-push.json'), headers)).toMatchObject({
            kind: 'accepted',
            rows: 3,
        });
        await drainRows();
    });

    it('drops mapped properties the table does not have when it says unknownColumns "drop", and names them', async () => {
        const headers = { 'content-type': 'application/cloudevents+json' };
        const [first] = JSON.parse(fixture('device-telemetry-batch.json')) as Record<string, unknown>[];
        expect(await send('extra', JSON.stringify(first), headers)).toMatchObject({
            kind: 'accepted',
            droppedColumns: ['Site'],
        });
        expect((await drainRows())[0]?.rows).toEqual([
            { DeviceId: 'devices/sensor-01', Time: '2024-03-08T09:15:02.125Z' },
        ]);
    });
});

describe('signed sources', () => {
    it('commits a GitHub delivery only with a valid X-Hub-Signature-256 over its raw body', async () => {
        const body = fixture('github-push.json');
        const signature = `sha256=${createHmac('sha256', 'It is a secret to everybody').update(body).digest('hex')}`;
        const headers = { 'x-github-event': 'push', 'x-github-delivery': 'signed-1' };
        expect(await send('signed-github', body, headers)).toMatchObject({
            kind: 'rejected',
            status: 401,
            code: 'InvalidSignature',
        });
        const forged = { ...headers, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
        expect(await send('signed-github', body, forged)).toMatchObject({ status: 401, code: 'InvalidSignature' });
        expect(await drainRows()).toEqual([]);
        const signed = { ...headers, 'x-hub-signature-256': signature };
        expect(await send('signed-github', body, signed)).toMatchObject({ kind: 'accepted', rows: 2 });
        expect(await drainRows()).toHaveLength(1);
    });

    it('refuses to start without the signing secret, naming the setting and the source', async () => {
        await expect(bed.newRelay({}, config)).rejects.toThrow(
            'Invalid app settings: GITHUB_WEBHOOK_SECRET: source "signed-github" needs its signing secret',
        );
    });
});

describe('the idempotency store', () => {
    const table = () =>
        TableClient.fromConnectionString(bed.azurite.connectionString, `claims${Date.now()}`, {
            allowInsecureConnection: true,
        });

    it('claims an id once, remembers it as committed, and lets a released id be claimed again', async () => {
        const store = createIdempotencyStore(table(), { retentionHours: 24 });
        const first = await store.claim('source:x', 'evt-1');
        expect(first.kind).toBe('claimed');
        expect(await store.claim('source:x', 'evt-1')).toEqual({ kind: 'inProgress' });
        expect((await store.claim('source:y', 'evt-1')).kind).toBe('claimed');
        if (first.kind !== 'claimed') return;
        await store.complete(first.claim, 'ingestion-1');
        expect(await store.claim('source:x', 'evt-1')).toEqual({ kind: 'committed', result: 'ingestion-1' });
        const second = await store.claim('source:x', 'evt-2');
        if (second.kind !== 'claimed') throw new Error('expected a claim');
        await store.release(second.claim);
        expect((await store.claim('source:x', 'evt-2')).kind).toBe('claimed');
    });

    it('takes over a pending claim older than 60 s and a committed id older than the retention', async () => {
        const client = table();
        const store = createIdempotencyStore(client, { retentionHours: 24 });
        const claimed = await store.claim('source:x', 'stale');
        const done = await store.claim('source:x', 'old');
        if (claimed.kind !== 'claimed' || done.kind !== 'claimed') throw new Error('expected claims');
        await store.complete(done.claim, 'ingestion-old');
        // Age both entities as a crashed request and a day-old commit would leave them.
        await client.updateEntity(
            {
                partitionKey: claimed.claim.partitionKey,
                rowKey: claimed.claim.rowKey,
                claimedAt: new Date(Date.now() - 61_000).toISOString(),
            },
            'Merge',
        );
        await client.updateEntity(
            {
                partitionKey: done.claim.partitionKey,
                rowKey: done.claim.rowKey,
                committedAt: new Date(Date.now() - 25 * 3600_000).toISOString(),
            },
            'Merge',
        );
        expect((await store.claim('source:x', 'stale')).kind).toBe('claimed');
        expect((await store.claim('source:x', 'old')).kind).toBe('claimed');
        expect(await store.claim('source:x', 'stale')).toEqual({ kind: 'inProgress' });
    });

    it('purges the ids written before the retention, and keeps the recent ones', async () => {
        const store = createIdempotencyStore(table(), { retentionHours: 1 });
        for (const id of ['a', 'b', 'c']) {
            const claimed = await store.claim('source:x', id);
            if (claimed.kind === 'claimed' && id !== 'c') await store.complete(claimed.claim, `ingestion-${id}`);
        }
        expect(await store.purgeExpired(new Date())).toBe(0);
        expect((await store.claim('source:x', 'a')).kind).toBe('committed');
        const anHourOn = new Date(Date.now() + 3600_000 + 60_000);
        expect(await store.purgeExpired(anHourOn, { maxDeletes: 2 })).toBe(2);
        expect(await store.purgeExpired(anHourOn)).toBe(1);
        expect((await store.claim('source:x', 'a')).kind).toBe('claimed');
    });

    it('purges a backlog of expired ids and request keys over several partitions in transactions, within its budget', async () => {
        const client = table();
        const store = createIdempotencyStore(client, { retentionHours: 1 });
        const scopes = ['source:x', 'request:rows:Sales/Orders:-', 'request:rows:Sales/Orders:billing'];
        for (const scope of scopes) {
            await Promise.all(
                Array.from({ length: 120 }, async (_, i) => {
                    const claimed = await store.claim(scope, `id-${i}`, 'fingerprint', `ingestion-${i}`);
                    // Committed ones, and claims abandoned pending: both expire.
                    if (claimed.kind === 'claimed' && i % 2 === 0) await store.complete(claimed.claim, 'answer');
                }),
            );
        }
        const anHourOn = new Date(Date.now() + 3600_000 + 60_000);
        // A run whose time is up deletes nothing; the next goes on.
        expect(await store.purgeExpired(anHourOn, { stopAtMs: Date.now() - 1 })).toBe(0);
        expect(await store.purgeExpired(anHourOn, { maxDeletes: 150 })).toBe(150);
        expect(await store.purgeExpired(anHourOn)).toBe(210);
        const left: unknown[] = [];
        for await (const entity of client.listEntities()) left.push(entity);
        expect(left).toEqual([]);
    });

    it('an enqueue Storage stored but did not confirm keeps the event ids: the retry enqueues the same events under the same id, and they arrive once', async () => {
        const { relay: own, workspaceId } = await bed.newRelay(
            { IDEMPOTENCY_TABLE: `idem${Date.now()}kept`, GITHUB_WEBHOOK_SECRET: 'It is a secret to everybody' },
            config,
        );
        const table = TableClient.fromConnectionString(bed.azurite.connectionString, own.settings.IDEMPOTENCY_TABLE, {
            allowInsecureConnection: true,
        });
        const batch = request('device-telemetry', fixture('device-telemetry-batch.json'), {
            'content-type': 'application/cloudevents-batch+json; charset=utf-8',
        });
        // The message is stored, and then the connection drops before Storage's answer arrives.
        expect(await ingestSource(batch, withUnconfirmedSends(own.sources))).toMatchObject({
            kind: 'unavailable',
            message: /may or may not/,
        });
        const [original] = (await bed.drain(own.settings.ROWS_QUEUE)).map((m) => rowsMessageSchema.parse(m));
        expect(original).toMatchObject({ rowCount: 2, requeued: true });

        // A retry while the event ids' claims are young is told to wait; nothing is enqueued.
        expect(await ingestSource(batch, own.sources)).toMatchObject({ kind: 'inProgress' });
        expect(await bed.drain(own.settings.ROWS_QUEUE)).toEqual([]);
        // Once they are old enough to take over (60 s, here at once), the retry enqueues under the same id.
        const later = createIdempotencyStore(table, { retentionHours: 24, staleClaimSeconds: 0 });
        expect(await ingestSource(batch, { ...own.sources, idempotency: later })).toMatchObject({
            kind: 'accepted',
            ingestionId: original!.ingestionId,
            duplicates: 0,
        });
        const [copy] = (await bed.drain(own.settings.ROWS_QUEUE)).map((m) => rowsMessageSchema.parse(m));
        expect(await deliverRows(copy!, own.deliver, { dequeueCount: 1 })).toMatchObject({ calls: 1, rowsPushed: 2 });
        expect(await deliverRows(original!, own.deliver, { dequeueCount: 1 })).toMatchObject({ calls: 0 });
        const dataset = (await bed.emulator.datasets()).find(
            (d) => d.workspaceId === workspaceId && d.name === 'Devices',
        );
        expect(dataset!.tables[0]!.rows?.map((row) => row.DeviceId)).toEqual(['sensor-01', 'sensor-02']);
        // The events are committed now: a later copy enqueues nothing.
        expect(await ingestSource(batch, own.sources)).toMatchObject({ kind: 'nothingToCommit', duplicates: 2 });
    });

    it('answers inProgress (409 at the endpoint) while another request holds an event, and enqueues nothing', async () => {
        const headers = { 'content-type': 'application/cloudevents+json' };
        const [first] = JSON.parse(fixture('device-telemetry-batch.json')) as { source: string }[];
        const held = await relay.sources.idempotency.claim(
            'source:device-telemetry',
            JSON.stringify([first!.source, 'held']),
        );
        expect(held.kind).toBe('claimed');
        expect(await send('device-telemetry', JSON.stringify({ ...first, id: 'held' }), headers)).toMatchObject({
            kind: 'inProgress',
        });
        expect(await drainRows()).toEqual([]);
    });
});
