import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { loadRelayConfig, parseRelayConfig } from '../../src/config/relayConfig';
import { toRowSchema } from '../../src/ingest/toRowSchema';
import { validateRows } from '../../src/ingest/validateRows';
import { httpRoutes } from '../../src/openapi/httpRoutes';
import type { refreshViewSchema } from '../../src/openapi/responseSchemas';
import { toOpenApiDocument } from '../../src/openapi/toOpenApiDocument';
import type { RefreshView } from '../../src/refresh/toRefreshView';
import { appVersion } from '../../src/runtime/appVersion';
import { documentedExchanges, type OpenApiDocument } from './documentedExchanges';

const root = join(__dirname, '..', '..');
const shippedConfig = loadRelayConfig(join(root, 'pbi-relay.config.json'));
const document = toOpenApiDocument(shippedConfig, appVersion());

/** What src/functions registers with app.http: name, methods and route, read from the source. */
function registeredHttpFunctions() {
    const folder = join(root, 'src', 'functions');
    return readdirSync(folder)
        .filter((file) => file.endsWith('.ts'))
        .flatMap((file) => {
            const text = readFileSync(join(folder, file), 'utf8');
            return [...text.matchAll(/app\.http\('(\w+)',\s*\{([\s\S]*?)handler:/g)].map(([, name, options]) => ({
                name,
                methods: [...(/methods:\s*\[([^\]]*)\]/.exec(options!)?.[1] ?? '').matchAll(/'(\w+)'/g)].map(
                    (m) => m[1],
                ),
                route: /route:\s*'([^']*)'/.exec(options!)?.[1],
            }));
        });
}

describe('the OpenAPI document', () => {
    it('is a valid OpenAPI 3.1 document', async () => {
        const { Validator } = await import('@seriousme/openapi-schema-validator');
        const validator = new Validator();
        const result = await validator.validate(JSON.parse(JSON.stringify(document)));
        expect(result.errors ?? []).toEqual([]);
        expect(result.valid).toBe(true);
        expect(validator.version).toBe('3.1');
    });

    it('is the one checked in as openapi.json (npm run openapi regenerates it)', () => {
        const published = JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8')) as unknown;
        expect(published).toEqual(JSON.parse(JSON.stringify(document)));
    });

    it('lists every HTTP function the app registers, with its methods and route', () => {
        const registered = registeredHttpFunctions();
        expect(registered.length).toBeGreaterThanOrEqual(7);
        expect(
            httpRoutes.map(({ functionName, methods, route }) => ({
                name: functionName,
                methods: [...methods],
                route,
            })),
        ).toEqual(expect.arrayContaining(registered));
        expect(httpRoutes).toHaveLength(registered.length);
    });

    it('documents a path per configured table and source, with the row schema of the table', () => {
        const paths = Object.keys(document.paths);
        for (const dataset of shippedConfig.datasets)
            for (const table of dataset.tables)
                expect(paths).toContain(`/datasets/${dataset.name}/tables/${table.name}/rows`);
        for (const source of shippedConfig.sources) expect(paths).toContain(`/sources/${source.name}`);
        const body = document.paths['/datasets/SalesMarketing/tables/Product/rows']?.post?.requestBody;
        expect(body?.content['application/json']?.schema).toMatchObject({
            properties: {
                rows: {
                    minItems: 1,
                    items: {
                        additionalProperties: false,
                        required: ['ProductID', 'Name'],
                        properties: { ProductID: { type: 'integer' }, IsCompete: { type: ['boolean', 'null'] } },
                    },
                },
            },
        });
    });

    it('documents exchanges for every operation but the sources that only a real sender can feed', () => {
        const exchanges = documentedExchanges(document as unknown as OpenApiDocument);
        const operations = new Set(exchanges.map((exchange) => exchange.label.split(' ').slice(0, 2).join(' ')));
        expect(operations).toEqual(
            new Set([
                ...shippedConfig.datasets.flatMap((d) =>
                    d.tables.map((t) => `POST /datasets/${d.name}/tables/${t.name}/rows`),
                ),
                'POST /sources/device-telemetry',
                'OPTIONS /sources/device-telemetry',
                'POST /refreshes',
                'GET /refreshes',
                'GET /refreshes/{id}',
                'GET /refresh-targets',
                'GET /openapi.json',
            ]),
        );
    });

    it('describes the refresh view the API answers with', () => {
        expectTypeOf<RefreshView>().toExtend<z.input<typeof refreshViewSchema>>();
        expect(document.components.schemas.RefreshView).toMatchObject({
            required: expect.arrayContaining(['id', 'dataset', 'status', 'requestedAt']),
        });
    });
});

describe('the OpenAPI document of another config', () => {
    const config = parseRelayConfig(
        {
            datasets: [
                {
                    name: 'Sales Data',
                    tables: [{ name: 'Orders', columns: [{ name: 'Id', dataType: 'String' }], unknownColumns: 'drop' }],
                },
            ],
            sources: [
                {
                    name: 'signed',
                    dataset: 'Sales Data',
                    table: 'Orders',
                    rows: '{ "Id": id }',
                    signature: { scheme: 'github', secretSetting: 'HOOK_SECRET' },
                },
                {
                    name: 'anyOrigin',
                    dataset: 'Sales Data',
                    table: 'Orders',
                    rows: '{ "Id": id }',
                    accept: ['cloudevents'],
                    allowedOrigins: ['*'],
                },
            ],
        },
        'test',
    );
    const other = JSON.parse(JSON.stringify(toOpenApiDocument(config, '9.9.9'))) as OpenApiDocument & {
        paths: Record<string, Record<string, { parameters?: { name: string; required?: boolean }[] }>>;
    };

    it('is valid OpenAPI 3.1 with encoded paths, signature headers and the exchanges the config allows', async () => {
        const { Validator } = await import('@seriousme/openapi-schema-validator');
        expect(await new Validator().validate(other as unknown as Record<string, unknown>)).toEqual({ valid: true });
        expect(Object.keys(other.paths)).toEqual(
            expect.arrayContaining([
                '/datasets/Sales%20Data/tables/Orders/rows',
                '/sources/signed',
                '/sources/anyOrigin',
            ]),
        );
        expect(other.paths['/sources/signed']?.post?.parameters).toEqual([
            expect.objectContaining({ name: 'Idempotency-Key' }),
            expect.objectContaining({ name: 'webhook-id' }),
            expect.objectContaining({ name: 'X-Hub-Signature-256', required: true }),
        ]);
        const labels = documentedExchanges(other).map((exchange) => exchange.label);
        expect(labels).toEqual(
            expect.arrayContaining([
                'POST /sources/signed unsigned -> 401',
                'POST /sources/anyOrigin emptyBatch -> 400',
                'OPTIONS /sources/anyOrigin allowed -> 200',
            ]),
        );
        // Any origin is allowed, so no refused handshake is documented; no refresh target, so no start.
        expect(labels.filter((label) => label.includes('otherOrigin') || label.includes(' start '))).toEqual([]);
        // A table without required columns has no invalid-rows example.
        expect(labels.filter((label) => label.startsWith('POST /datasets/'))).toEqual([
            'POST /datasets/Sales%20Data/tables/Orders/rows rows -> 202',
            'POST /datasets/Sales%20Data/tables/Orders/rows noRows -> 400',
        ]);
    });
});

describe('the row schema of a table', () => {
    const config = parseRelayConfig(
        {
            datasets: [
                {
                    name: 'D',
                    tables: [
                        {
                            name: 'T',
                            columns: [
                                { name: 'id', dataType: 'Int64', required: true },
                                { name: 'x', dataType: 'Double' },
                                { name: 'd', dataType: 'Decimal' },
                                { name: 'b', dataType: 'Boolean' },
                                { name: 's', dataType: 'String' },
                                { name: 't', dataType: 'DateTime' },
                            ],
                        },
                    ],
                },
            ],
        },
        'test',
    );
    const table = config.datasets[0]!.tables[0]!;
    const rows: unknown[] = [
        { id: 1 },
        { id: 1, x: 2.5, d: 9.99, b: false, s: 'a', t: '2024-05-01T12:30:00Z' },
        { id: 1, x: null, d: null, b: null, s: null, t: null },
        {},
        { id: null },
        { id: 1.5 },
        { id: '1' },
        { id: Number.MAX_SAFE_INTEGER + 2 },
        { id: 1, x: 'no' },
        { id: 1, d: 1.23456 },
        { id: 1, b: 'true' },
        { id: 1, s: 'x'.repeat(4001) },
        { id: 1, s: 7 },
        { id: 1, t: 'not a date' },
        { id: 1, t: 5 },
        { id: 1, other: 1 },
        [],
        'row',
    ];

    it.each(rows.map((row) => [JSON.stringify(row).slice(0, 60), row]))(
        'refuses %s whenever validateRows does not accept it, and accepts what validateRows accepts',
        (_label, row) => {
            const accepted = validateRows(table, [row]).ok;
            const described = toRowSchema(table).safeParse(row).success;
            if (accepted) expect(described).toBe(true);
            if (!described) expect(accepted).toBe(false);
        },
    );

    it('leaves other properties open when the table drops them', () => {
        const dropping = { ...table, unknownColumns: 'drop' as const };
        expect(validateRows(dropping, [{ id: 1, other: 1 }]).ok).toBe(true);
        expect(toRowSchema(dropping).safeParse({ id: 1, other: 1 }).success).toBe(true);
    });
});
