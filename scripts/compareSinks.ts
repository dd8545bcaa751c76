/**
 * Compares, for every dual-written table, the rows in the Power BI push dataset (Datasets - Execute Queries, a DAX
 * row count, as the relay counts markers) with the rows in the Eventhouse: its dedup view (what Power BI reads after
 * the move) and its raw table (the view's surplus is the duplicates the dedup removed).
 *
 *   npm run compare-sinks [-- --config pbi-relay.config.json]
 *
 * Settings as the relay's (POWERBI_API_BASE_URL, POWERBI_WORKSPACE_ID, POWERBI_SCOPE, EVENTHOUSE_QUERY_SERVICE_URI,
 * EVENTHOUSE_SCOPE), read as the signed-in user (az login), who needs Build on the dataset and Viewer on the database.
 * Counts differ while rows are in flight: compare when both queues are empty. Exit code 1 when a count failed.
 */
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { appRoot } from '../src/config/appRoot';
import { loadRelayConfig, type RelayConfig } from '../src/config/relayConfig';
import { resolveConfigPath } from '../src/config/resolveConfigPath';
import { settingsSchema } from '../src/config/settings';
import { describeSetupError } from '../src/eventhouse/applyEventhouseSetup';
import { createEventhouseClient, type EventhouseClient } from '../src/eventhouse/eventhouseClient';
import { kustoName, kustoString } from '../src/eventhouse/kustoLiterals';
import { eventhouseNames } from '../src/eventhouse/kustoTableSchema';
import { createPowerBiClient, type PowerBiClient } from '../src/powerbi/powerBiClient';
import { readRowCount, toRowCountQuery } from '../src/powerbi/daxRowCounts';
import { deployerCredential } from './deployerToken';
import { parseCliOptions } from './parseCliOptions';
import { runCli } from './runCli';

const usage = `Usage: npm run compare-sinks [-- --config <file>]
Counts the rows of every dual-written table in the push dataset and in the Eventhouse (dedup view and raw table).`;

const settingsPart = settingsSchema.pick({
    PBI_RELAY_CONFIG: true,
    POWERBI_API_BASE_URL: true,
    POWERBI_WORKSPACE_ID: true,
    POWERBI_SCOPE: true,
    POWERBI_TIMEOUT_MS: true,
    EVENTHOUSE_QUERY_SERVICE_URI: true,
    EVENTHOUSE_SCOPE: true,
});
type CompareSettings = z.infer<typeof settingsPart>;

/** One table's counts; a count that failed is its reason. */
export interface SinkComparison {
    dataset: string;
    table: string;
    push: number | string;
    view: number | string;
    raw: number | string;
}

export interface CompareSinksDependencies {
    env: Record<string, string | undefined>;
    /** Default: the signed-in user (Azure CLI, then azd). */
    credential?: TokenCredential;
    httpClient?: HttpClient;
    log?: (line: string) => void;
    error?: (line: string) => void;
}

const firstNumber = (rows: readonly unknown[][]): number => {
    const value = Number(rows[0]?.[0]);
    if (!Number.isFinite(value)) throw new Error('the count query answered no number');
    return value;
};

async function countPush(client: PowerBiClient, workspaceId: string, datasetId: string | undefined, table: string) {
    if (datasetId === undefined) return 'no push dataset';
    const counted = await client.executeQuery(workspaceId, datasetId, toRowCountQuery(table));
    if (!counted.ok) return `failed: ${counted.failure.message}`;
    return readRowCount(counted.value) ?? 'failed: the count query answered no number';
}

async function countKusto(client: EventhouseClient, database: string, csl: string) {
    try {
        return firstNumber((await client.query(database, csl)).rows);
    } catch (problem) {
        return `failed: ${describeSetupError(problem, { database })}`;
    }
}

/** The counts of every table of every dataset that writes to both sinks. */
export async function compareSinks(
    config: Pick<RelayConfig, 'datasets'>,
    settings: CompareSettings,
    credential: TokenCredential,
    httpClient?: HttpClient,
): Promise<SinkComparison[]> {
    const transport = httpClient ? { httpClient } : {};
    const powerBi = createPowerBiClient({
        baseUrl: settings.POWERBI_API_BASE_URL,
        credential,
        scope: settings.POWERBI_SCOPE,
        timeoutMs: settings.POWERBI_TIMEOUT_MS,
        ...transport,
    });
    const comparisons: SinkComparison[] = [];
    const listings = new Map<string, Awaited<ReturnType<PowerBiClient['getDatasets']>>>();
    for (const dataset of config.datasets) {
        if (!dataset.eventhouse || !dataset.sinks.includes('eventhouse') || !dataset.sinks.includes('powerBi'))
            continue;
        const workspaceId = dataset.workspaceId ?? settings.POWERBI_WORKSPACE_ID;
        if (!listings.has(workspaceId)) listings.set(workspaceId, await powerBi.getDatasets(workspaceId));
        const listing = listings.get(workspaceId)!;
        const datasetId = listing.ok
            ? listing.value.find((candidate) => candidate.name === dataset.name && candidate.addRowsAPIEnabled)?.id
            : undefined;
        const queryServiceUri = dataset.eventhouse.queryServiceUri ?? settings.EVENTHOUSE_QUERY_SERVICE_URI;
        const kusto = queryServiceUri
            ? createEventhouseClient({ queryServiceUri, credential, scope: settings.EVENTHOUSE_SCOPE, ...transport })
            : undefined;
        const { database } = dataset.eventhouse;
        for (const table of dataset.tables) {
            const names = eventhouseNames(dataset, table.name);
            const push = listing.ok
                ? await countPush(powerBi, workspaceId, datasetId, table.name)
                : `failed: ${listing.failure.message}`;
            const noUri = 'no query service URI (EVENTHOUSE_QUERY_SERVICE_URI)';
            comparisons.push({
                dataset: dataset.name,
                table: table.name,
                push,
                view: kusto
                    ? await countKusto(kusto, database, `materialized_view(${kustoString(names.view)}) | count`)
                    : noUri,
                raw: kusto ? await countKusto(kusto, database, `${kustoName(names.table)} | count`) : noUri,
            });
        }
    }
    return comparisons;
}

/** The comparison as an aligned text table: push, view, raw, push minus view, raw minus view (duplicates removed). */
export function toComparisonTable(comparisons: readonly SinkComparison[]): string {
    const difference = (left: number | string, right: number | string) =>
        typeof left === 'number' && typeof right === 'number' ? String(left - right) : '-';
    const header = [
        'dataset',
        'table',
        'push dataset',
        'eventhouse view',
        'eventhouse raw',
        'push - view',
        'duplicates',
    ];
    const rows = comparisons.map((row) => [
        row.dataset,
        row.table,
        String(row.push),
        String(row.view),
        String(row.raw),
        difference(row.push, row.view),
        difference(row.raw, row.view),
    ]);
    const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
    const line = (cells: string[]) =>
        cells
            .map((cell, index) => (index < 2 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!)))
            .join('  ');
    return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export async function main(argv: readonly string[], deps: CompareSinksDependencies): Promise<number> {
    const log = deps.log ?? ((line: string) => console.log(line));
    const error = deps.error ?? ((line: string) => console.error(line));
    let values;
    try {
        values = parseCliOptions(
            argv,
            { config: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
            (message) => new Error(message),
        );
    } catch (problem) {
        error(`${(problem as Error).message}\n\n${usage}`);
        return 2;
    }
    if (values.help) {
        log(usage);
        return 0;
    }
    const env = Object.fromEntries(Object.entries(deps.env).filter(([, value]) => value?.trim()));
    const settings = settingsPart.safeParse(env);
    if (!settings.success) {
        error(`Invalid settings: ${z.prettifyError(settings.error)}\n\n${usage}`);
        return 2;
    }
    let config;
    try {
        config = loadRelayConfig(resolveConfigPath(values.config ?? settings.data.PBI_RELAY_CONFIG, appRoot()));
    } catch (problem) {
        error((problem as Error).message);
        return 2;
    }
    const credential = deps.credential ?? deployerCredential(env.AZURE_TENANT_ID, 'Power BI and the Eventhouse');
    const comparisons = await compareSinks(config, settings.data, credential, deps.httpClient);
    if (comparisons.length === 0) {
        log('pbi-relay compare-sinks: no dataset writes to both the push dataset and the Eventhouse.');
        return 0;
    }
    log(toComparisonTable(comparisons));
    const failed = comparisons.filter((row) =>
        [row.push, row.view, row.raw].some((count) => typeof count === 'string'),
    );
    log(
        failed.length > 0
            ? `pbi-relay compare-sinks: ${failed.length} table(s) could not be counted in full.`
            : 'pbi-relay compare-sinks: counts differ while rows are in flight; compare once both queues are empty.',
    );
    return failed.length > 0 ? 1 : 0;
}

if (require.main === module) runCli(() => main(process.argv.slice(2), { env: process.env }));
