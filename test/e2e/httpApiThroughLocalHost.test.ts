import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import {
    AggregationTemporality,
    InMemoryMetricExporter,
    MeterProvider,
    PeriodicExportingMetricReader,
    type DataPoint,
    type Histogram,
} from '@opentelemetry/sdk-metrics';
import { Ajv2020 } from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayLocally, type LocalRelay } from '../../local/startRelayLocally';
import { metricNames, relayMeterName } from '../../src/telemetry/relayMetrics';
import { documentedExchanges, type Exchange, type OpenApiDocument } from '../openapi/documentedExchanges';
import { waitFor } from '../support/waitFor';

/**
 * `npm start`'s local run (shipped config, demo workspace) on free ports: the documented examples of
 * openapi.json are sent to it and its answers checked against the document, then the relay's metrics are
 * read from an in-memory exporter registered before the app loaded (the app itself exports to none).
 */
const root = join(__dirname, '..', '..');
const published = JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8')) as OpenApiDocument;
const seed = JSON.parse(readFileSync(join(root, 'local', 'demo.seed.json'), 'utf8')) as {
    models: { id: string; name: string }[];
};
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
let local: LocalRelay;
/** Rows the relay answered 202 for, by "dataset/table". */
const acceptedRows = new Map<string, number>();

beforeAll(async () => {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    local = await startRelayLocally({
        appRoot: root,
        port: 0,
        emulatorPort: 0,
        storagePorts: { blob: 0, queue: 0, table: 0 },
        timeScale: 30,
        // One transient failure poisons its rows, so a test sees the poison count without waiting out retries.
        settings: { PUSH_MAX_ATTEMPTS: '1', REFRESH_POLL_MIN_SECONDS: '1', REFRESH_POLL_MAX_SECONDS: '1' },
        logger: () => undefined,
    });
});
afterAll(async () => {
    await local?.close();
    await reader.shutdown();
});

function countAccepted(url: string, status: number, body: unknown) {
    const match = /\/api\/datasets\/([^/]+)\/tables\/([^/]+)\/rows$/.exec(url);
    if (match && status === 202) {
        const key = `${decodeURIComponent(match[1]!)}/${decodeURIComponent(match[2]!)}`;
        acceptedRows.set(key, (acceptedRows.get(key) ?? 0) + (body as { rows: number }).rows);
    }
}

async function send(exchange: Pick<Exchange, 'method' | 'url' | 'headers' | 'body'>) {
    const url = `${local.url}/api${exchange.url}`;
    const response = await fetch(url, { method: exchange.method, headers: exchange.headers, body: exchange.body });
    const text = await response.text();
    const body = text === '' ? undefined : (JSON.parse(text) as unknown);
    countAccepted(url, response.status, body);
    return { response, body };
}

const rowsOf = async (dataset: string, table: string) =>
    (await local.emulator.datasets()).find((d) => d.name === dataset)?.tables.find((t) => t.name === table)?.rows ?? [];

describe('the HTTP API against its OpenAPI document', () => {
    it('serves the checked-in document at /api/openapi.json', async () => {
        const { response, body } = await send({ method: 'GET', url: '/openapi.json', headers: {} });
        expect(response.status).toBe(200);
        expect(body).toEqual(published);
    });

    it('answers every documented example with the documented status, body schema, error code and headers', async () => {
        const ajv = new Ajv2020({ strict: false, allErrors: true });
        ajv.addSchema(published, 'openapi.json');
        const exchanges = documentedExchanges(published);
        expect(exchanges.length).toBeGreaterThan(15);
        const results = [];
        for (const exchange of exchanges) {
            const { response, body } = await send(exchange);
            const validate = exchange.schemaPointer
                ? ajv.getSchema(`openapi.json${exchange.schemaPointer}`)
                : undefined;
            results.push({
                exchange: exchange.label,
                status: response.status,
                schemaErrors: validate && !validate(body) ? ajv.errorsText(validate.errors) : undefined,
                code:
                    exchange.errorCode === undefined ? undefined : (body as { error?: { code?: string } }).error?.code,
                headers: Object.fromEntries(
                    Object.keys(exchange.responseHeaders).map((name) => [name, response.headers.get(name)]),
                ),
            });
        }
        expect(results).toEqual(
            exchanges.map((exchange) => ({
                exchange: exchange.label,
                status: exchange.status,
                schemaErrors: undefined,
                code: exchange.errorCode,
                headers: exchange.responseHeaders,
            })),
        );
    });
});

interface MetricPoint {
    attributes: Record<string, unknown>;
    value: number | Histogram;
}

async function collect(): Promise<Map<string, MetricPoint[]>> {
    exporter.reset();
    await reader.forceFlush();
    const scope = exporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.find((s) => s.scope.name === relayMeterName);
    return new Map(
        (scope?.metrics ?? []).map((metric) => [
            metric.descriptor.name,
            (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) => ({
                attributes: point.attributes,
                value: point.value,
            })),
        ]),
    );
}

const sum = (points: MetricPoint[] | undefined, where: Record<string, unknown>) =>
    (points ?? [])
        .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
        .reduce((total, point) => total + (point.value as number), 0);

describe('metrics after real traffic and a refresh', () => {
    it('count rows accepted and pushed, Add Rows calls and 429s, poison, queue depth and the refresh', async () => {
        const product = (id: number) => ({ ProductID: id, Name: 'metered' });
        const post = (rows: unknown[]) =>
            send({
                method: 'POST',
                url: '/datasets/SalesMarketing/tables/Product/rows',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ rows }),
            });
        // The faults are kept to this dataset (the examples above created it): the sources' rows of the examples may
        // still be on their way to their own datasets, and must not take them.
        const datasetId = await waitFor(
            async () => (await local.emulator.datasets()).find((d) => d.name === 'SalesMarketing')?.id,
            { timeoutMs: 30_000, intervalMs: 100, description: 'the SalesMarketing push dataset' },
        );
        // A 429 first, then the rows go through after Retry-After.
        await local.emulator.injectFaults({
            operation: 'postRows',
            kind: 'status',
            status: 429,
            retryAfterSeconds: 1,
            datasetId,
        });
        expect((await post([product(1), product(2)])).response.status).toBe(202);
        await waitFor(async () => (await rowsOf('SalesMarketing', 'Product')).some((row) => row.ProductID === 2), {
            timeoutMs: 30_000,
            intervalMs: 100,
        });
        // A 500 with PUSH_MAX_ATTEMPTS 1: the rows go to the poison queue.
        await local.emulator.injectFaults({ operation: 'postRows', kind: 'status', status: 500, datasetId });
        expect((await post([product(3)])).response.status).toBe(202);
        // The examples started the demo refresh already (409 then); alone, this test starts it. Once it
        // completed, one more that the emulator fails.
        const startDemo = () =>
            send({
                method: 'POST',
                url: '/refreshes',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ target: 'demo' }),
            });
        expect([202, 409]).toContain((await startDemo()).response.status);
        const demoRefreshes = (done: (status: string) => boolean) =>
            waitFor(
                async () => {
                    const { body } = await send({ method: 'GET', url: '/refreshes?dataset=demo', headers: {} });
                    const value = (body as { value: { status: string; durationSeconds?: number }[] }).value;
                    return value.length > 0 && value.every((r) => done(r.status)) ? value : undefined;
                },
                { timeoutMs: 30_000, intervalMs: 200, description: 'the demo refreshes to end' },
            );
        await demoRefreshes((status) => status === 'Completed');
        const demoModel = seed.models.find((model) => model.name === 'RefreshDemo')!;
        await local.emulator.queueRefreshScript(demoModel.id, { outcome: 'failure', durationSeconds: 5 });
        expect((await startDemo()).response.status).toBe(202);
        const refreshes = await demoRefreshes((status) => status === 'Completed' || status === 'Failed');
        const ended = (status: string) => refreshes.filter((r) => r.status === status);
        expect(ended('Failed')).toHaveLength(1);

        const collected = await waitFor(
            async () => {
                const points = await collect();
                return sum(points.get(metricNames.messagesPoisoned), {}) === 1 &&
                    sum(points.get(metricNames.queueMessages), { queue: 'pbi-rows' }) === 0
                    ? points
                    : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 200, description: 'the poisoned message and an empty rows queue' },
        );

        const requests = (await local.emulator.requests()).filter((r) => r.operation === 'postRows');
        const pushedByEmulator = requests
            .filter((r) => r.status === 200)
            .reduce((total, r) => total + (r.rows ?? 0), 0);
        const accepted = collected.get(metricNames.rowsAccepted);
        for (const [key, rows] of acceptedRows) {
            const [dataset, table] = key.split('/');
            expect({ key, accepted: sum(accepted, { dataset, table }) }).toEqual({ key, accepted: rows });
        }
        expect(sum(collected.get(metricNames.rowsPushed), {})).toBe(pushedByEmulator);
        expect(sum(collected.get(metricNames.rowsPushed), { dataset: 'SalesMarketing', table: 'Product' })).toBe(
            (await rowsOf('SalesMarketing', 'Product')).length,
        );
        const calls = collected.get(metricNames.addRowsCalls);
        expect({
            succeeded: sum(calls, { outcome: 'succeeded' }),
            throttled: sum(calls, { outcome: 'throttled' }),
            transient: sum(calls, { outcome: 'transient' }),
        }).toEqual({
            succeeded: requests.filter((r) => r.status === 200).length,
            throttled: requests.filter((r) => r.status === 429).length,
            transient: requests.filter((r) => r.status === 500).length,
        });
        expect(sum(calls, { outcome: 'throttled' })).toBe(1);
        expect(collected.get(metricNames.messagesPoisoned)).toEqual([
            { attributes: { dataset: 'SalesMarketing', table: 'Product', code: expect.any(String) }, value: 1 },
        ]);
        expect(sum(collected.get(metricNames.queueMessages), { queue: 'pbi-rows-poison' })).toBe(1);
        expect(sum(collected.get(metricNames.queueOldestMessageAge), { queue: 'pbi-rows-poison' })).toBeGreaterThan(0);
        const byOutcome = (status: string) => ({
            attributes: { target: 'demo', status },
            refreshes: ended(status).length,
            seconds: ended(status).reduce((total, r) => total + (r.durationSeconds ?? 0), 0),
        });
        expect(
            collected
                .get(metricNames.refreshes)
                ?.map((point) => ({ attributes: point.attributes, value: point.value })),
        ).toEqual(
            expect.arrayContaining(
                ['Completed', 'Failed'].map((status) => ({
                    attributes: byOutcome(status).attributes,
                    value: byOutcome(status).refreshes,
                })),
            ),
        );
        expect(collected.get(metricNames.refreshes)).toHaveLength(2);
        for (const status of ['Completed', 'Failed']) {
            const { attributes, refreshes: count, seconds } = byOutcome(status);
            const histogram = collected.get(metricNames.refreshDuration)?.find((p) => p.attributes.status === status);
            expect(histogram).toEqual({ attributes, value: expect.objectContaining({ count, sum: seconds }) });
        }
    });
});
