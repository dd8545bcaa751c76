import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/configJsonSchema';
import { loadRelayConfig, parseRelayConfig } from '../../src/config/relayConfig';

const root = join(__dirname, '..', '..');

describe('relay config', () => {
    it('loads the shipped SalesMarketing example with canonical data types', () => {
        const config = loadRelayConfig(join(root, 'pbi-relay.config.json'));
        const product = config.datasets[0]?.tables[0];
        expect(config.datasets[0]?.name).toBe('SalesMarketing');
        expect(product?.columns.map((c) => `${c.name}:${c.dataType}:${c.required}`)).toEqual([
            'ProductID:Int64:true',
            'Name:String:true',
            'Category:String:false',
            'IsCompete:Boolean:false',
            'ManufacturedOn:DateTime:false',
        ]);
    });

    it('names every problem with its path', () => {
        expect(() =>
            parseRelayConfig(
                {
                    datasets: [
                        {
                            name: 'D',
                            tables: [
                                {
                                    name: 'T',
                                    columns: [
                                        { name: 'a', dataType: 'Guid' },
                                        { name: 'a', dataType: 'String' },
                                    ],
                                },
                            ],
                            extra: 1,
                        },
                    ],
                },
                'x.json',
            ),
        ).toThrow(
            'Invalid config x.json: datasets.0.tables.0.columns.0.dataType: unknown data type "Guid"; use one of Int64, Double, Boolean, DateTime, String, Decimal; datasets.0: Unrecognized key: "extra"',
        );
    });

    it('rejects duplicate columns and table names Power BI would refuse', () => {
        expect(() =>
            parseRelayConfig(
                {
                    datasets: [
                        {
                            name: 'D',
                            tables: [
                                {
                                    name: 'T',
                                    columns: [
                                        { name: 'a', dataType: 'String' },
                                        { name: 'a', dataType: 'String' },
                                    ],
                                },
                            ],
                        },
                    ],
                },
                'x',
            ),
        ).toThrow('datasets.0.tables.0.columns.1.name: duplicate column "a"');
        expect(() =>
            parseRelayConfig(
                { datasets: [{ name: 'D', tables: [{ name: 'a/b', columns: [{ name: 'a', dataType: 'String' }] }] }] },
                'x',
            ),
        ).toThrow('datasets.0.tables.0.name: must be 1-100 characters allowed in a Power BI table name');
    });

    it('loads the shipped sources with their JSONata compiled and defaults filled in', () => {
        const config = loadRelayConfig(join(root, 'pbi-relay.config.json'));
        expect(
            config.sources.map((s) => `${s.name}>${s.dataset}/${s.table}:${s.accept.join('+')}:${s.maxRows}`),
        ).toEqual([
            'github-push>GitHub/Commits:json:10000',
            'stripe>Stripe/Payments:json:10000',
            'azure-monitor-alerts>AzureMonitor/Alerts:json:10000',
            'device-telemetry>Devices/Readings:cloudevents+eventgrid:10000',
        ]);
        expect(config.sources[3]?.allowedOrigins).toEqual(['eventgrid.azure.net']);
        expect(typeof config.sources[0]?.rows.expression.evaluate).toBe('function');
    });

    it('names a source whose JSONata does not parse, or whose dataset or table does not exist', () => {
        const datasets = [{ name: 'D', tables: [{ name: 'T', columns: [{ name: 'C', dataType: 'String' }] }] }];
        expect(() =>
            parseRelayConfig(
                {
                    datasets,
                    sources: [
                        { name: 'a', dataset: 'D', table: 'T', rows: '{ "C": payload.' },
                        { name: 'b', dataset: 'X', table: 'T', rows: '$' },
                        { name: 'c', dataset: 'D', table: 'U', rows: '$', filter: 'type =' },
                        { name: 'A', dataset: 'D', table: 'T', rows: '$' },
                        { name: 'bad/name', dataset: 'D', table: 'T', rows: '$' },
                    ],
                },
                'test',
            ),
        ).toThrow(
            new RegExp(
                [
                    'sources\\.0\\.rows: not a valid JSONata expression: .* at character \\d+',
                    'sources\\.2\\.filter: not a valid JSONata expression',
                    'sources\\.4\\.name: must be 1-64 letters',
                ].join('.*'),
            ),
        );
        expect(() =>
            parseRelayConfig(
                {
                    datasets,
                    sources: [
                        { name: 'b', dataset: 'X', table: 'T', rows: '$' },
                        { name: 'c', dataset: 'D', table: 'U', rows: '$' },
                        { name: 'B', dataset: 'D', table: 'T', rows: '$' },
                    ],
                },
                'test',
            ),
        ).toThrow(
            'Invalid config test: sources.2.name: duplicate source "B"; sources.0.dataset: source "b" names dataset "X", which is not configured; sources.1.table: source "c" names table "U", which dataset "D" does not have',
        );
    });

    it('reports a missing or malformed file by path', () => {
        expect(() => loadRelayConfig(join(root, 'missing.json'))).toThrow(/^Cannot read config .*missing\.json/);
        expect(() => loadRelayConfig(join(root, 'package-lock.json'))).toThrow(
            /Invalid config .*package-lock\.json: \(root\): Unrecognized keys/,
        );
    });

    it('publishes an up-to-date JSON Schema for editors (npm run config-schema regenerates it)', () => {
        const published = JSON.parse(readFileSync(join(root, 'pbi-relay.config.schema.json'), 'utf8'));
        expect(published).toEqual(configJsonSchema());
    });
});
