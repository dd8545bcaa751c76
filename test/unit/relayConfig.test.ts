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

    it('checks each target schedule and time zone when the config loads', () => {
        const target = { name: 'sales', datasetName: 'Sales' };
        const config = parseRelayConfig(
            { refreshTargets: [{ ...target, schedule: '0 */30 8-17 * * MON-FRI', timeZone: 'Europe/Berlin' }] },
            'x.json',
        );
        expect(config.refreshTargets[0]).toMatchObject({
            schedule: '0 */30 8-17 * * MON-FRI',
            timeZone: 'Europe/Berlin',
        });
        expect(parseRelayConfig({ refreshTargets: [target] }, 'x.json').refreshTargets[0]?.timeZone).toBe('UTC');
        expect(() =>
            parseRelayConfig(
                {
                    refreshTargets: [
                        { ...target, schedule: '0 0 6 * * MON-FRI', timeZone: 'Mars/Olympus' },
                        { ...target, name: 'b', schedule: '0 0 6 * * XYZ' },
                        { ...target, name: 'c', schedule: '*/10 * * * * *' },
                        { ...target, name: 'd', schedule: '00:00:30' },
                    ],
                },
                'x.json',
            ),
        ).toThrow(
            [
                'Invalid config x.json: refreshTargets.0.timeZone: must be an IANA time zone such as Europe/Berlin or America/New_York',
                'refreshTargets.1.schedule: Invalid NCRONTAB expression "0 0 6 * * XYZ": day-of-week value "XYZ" is not a number or name',
                'refreshTargets.2.schedule: Invalid schedule "*/10 * * * * *": the second field must name one second (the timer ticks once a minute)',
                'refreshTargets.3.schedule: Invalid schedule "00:00:30": an interval must be whole minutes, at least 00:01:00',
            ].join('; '),
        );
    });

    it('rejects chains that name unknown targets, themselves, a schedule, or close a cycle', () => {
        const target = (name: string, after?: string[], extra = {}) => ({ name, datasetName: name, after, ...extra });
        expect(() =>
            parseRelayConfig(
                {
                    refreshTargets: [
                        target('a', ['c']),
                        target('b', ['A']),
                        target('c', ['b']),
                        target('d', ['nope', 'd'], { schedule: '0 0 * * * *' }),
                    ],
                },
                'x.json',
            ),
        ).toThrow(
            [
                'Invalid config x.json: refreshTargets.3.schedule: a target with "after" is started by its upstream targets; leave "schedule" out',
                'refreshTargets.3.after.0: no refresh target "nope"',
                'refreshTargets.3.after.1: a target cannot come after itself',
                'refreshTargets.0.after: the chain is a cycle: a after c after b after a',
            ].join('; '),
        );
        const chain = parseRelayConfig({ refreshTargets: [target('a'), target('b', ['a'])] }, 'x.json');
        expect(chain.refreshTargets[1]).toMatchObject({ after: ['a'], afterMode: 'allCompleted' });
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
            config.sources.map(
                (s) =>
                    `${s.name}>${s.dataset}/${s.tables.map((t) => t.table).join('+')}:${s.accept.join('+')}:${s.maxRows}`,
            ),
        ).toEqual([
            'github-push>GitHub/Commits+Pushes:json:10000',
            'stripe>Stripe/Payments:json:10000',
            'azure-monitor-alerts>AzureMonitor/Alerts:json:10000',
            'device-telemetry>Devices/Readings:cloudevents+eventgrid:10000',
        ]);
        expect(config.sources[3]?.allowedOrigins).toEqual(['eventgrid.azure.net']);
        expect(typeof config.sources[0]?.tables[1]?.rows.expression.evaluate).toBe('function');
    });

    it('takes table and rows or a list of tables, each a table of the dataset named once', () => {
        const datasets = [
            {
                name: 'D',
                tables: ['T', 'V'].map((name) => ({ name, columns: [{ name: 'C', dataType: 'String' }] })),
            },
        ];
        const config = parseRelayConfig(
            {
                datasets,
                sources: [
                    { name: 'one', dataset: 'D', table: 'T', rows: '$' },
                    {
                        name: 'two',
                        dataset: 'D',
                        tables: [
                            { table: 'T', rows: '$' },
                            { table: 'V', rows: 'items' },
                        ],
                    },
                ],
            },
            'test',
        );
        expect(config.sources.map((s) => s.tables.map((t) => `${t.table}:${t.rows.text}`))).toEqual([
            ['T:$'],
            ['T:$', 'V:items'],
        ]);
        const both = 'give table and rows, or tables \\(a list of table and rows\\): exactly one of the two';
        expect(() =>
            parseRelayConfig(
                {
                    datasets,
                    sources: [
                        { name: 'a', dataset: 'D', table: 'T', rows: '$', tables: [{ table: 'V', rows: '$' }] },
                        { name: 'b', dataset: 'D', table: 'T' },
                        { name: 'c', dataset: 'D' },
                        {
                            name: 'd',
                            dataset: 'D',
                            tables: [
                                { table: 'T', rows: '$' },
                                { table: 'T', rows: '(' },
                            ],
                        },
                    ],
                },
                'test',
            ),
        ).toThrow(
            new RegExp(
                [
                    `sources\\.0\\.tables: ${both}`,
                    `sources\\.1\\.rows: ${both}`,
                    `sources\\.2\\.table: ${both}`,
                    'sources\\.3\\.tables\\.1\\.rows: not a valid JSONata expression',
                    'sources\\.3\\.tables\\.1\\.table: table "T" is listed twice',
                ].join('.*'),
            ),
        );
        expect(() =>
            parseRelayConfig(
                {
                    datasets,
                    sources: [
                        {
                            name: 'e',
                            dataset: 'D',
                            tables: [
                                { table: 'T', rows: '$' },
                                { table: 'W', rows: '$' },
                            ],
                        },
                    ],
                },
                'test',
            ),
        ).toThrow('sources.0.tables.1.table: source "e" names table "W", which dataset "D" does not have');
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

    it('defaults the sinks from eventhouse, and checks the Eventhouse names and tables', () => {
        const table = { name: 'Product', columns: [{ name: 'Id', dataType: 'Int64' }] };
        const parse = (dataset: Record<string, unknown>) =>
            parseRelayConfig({ datasets: [{ name: 'D', tables: [table], ...dataset }] }, 'x.json').datasets[0]!;
        expect(parse({}).sinks).toEqual(['powerBi']);
        const dual = parse({ eventhouse: { database: 'Telemetry' } });
        expect(dual.sinks).toEqual(['powerBi', 'eventhouse']);
        expect(dual.eventhouse).toEqual({ database: 'Telemetry', tables: {} });
        expect(parse({ sinks: ['eventhouse'], eventhouse: { database: 'Telemetry' } }).sinks).toEqual(['eventhouse']);
        expect(() => parse({ sinks: ['eventhouse'] })).toThrow(
            'datasets.0.eventhouse: dataset "D" names the eventhouse sink but has no eventhouse',
        );
        expect(() => parse({ sinks: ['powerBi', 'powerBi'] })).toThrow('datasets.0.sinks: must not name a sink twice');
        expect(() =>
            parse({ eventhouse: { database: 'Tele|metry', tables: { Orders: { table: 'Orders' } } } }),
        ).toThrow(
            /datasets\.0\.eventhouse\.database: must be 1-1024 letters.*datasets\.0\.eventhouse\.tables\.Orders: dataset "D" has no table "Orders"/,
        );
        expect(() => parse({ eventhouse: { database: 'T', queryServiceUri: 'http://kusto.example.com' } })).toThrow(
            'must be https',
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
