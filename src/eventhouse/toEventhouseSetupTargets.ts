import type { RelayConfig } from '../config/relayConfig';
import { eventhouseNames, toKustoTable } from './kustoTableSchema';
import type { DesiredEventhouseSetup, DesiredTable, RelayIdentity } from './planEventhouseSetup';

/** One KQL database to set up, at its query service (undefined: neither the dataset nor the settings name it). */
export interface EventhouseSetupTarget {
    queryServiceUri: string | undefined;
    desired: DesiredEventhouseSetup;
}

/**
 * The databases the datasets with the eventhouse sink deliver to, each with its tables. Two Power BI tables may share
 * a Kusto table only when they give it the same shape, mapping and view.
 */
export function toEventhouseSetupTargets(
    config: Pick<RelayConfig, 'datasets'>,
    defaultQueryServiceUri: string | undefined,
    identity?: RelayIdentity,
): EventhouseSetupTarget[] {
    const targets = new Map<string, EventhouseSetupTarget>();
    for (const dataset of config.datasets) {
        if (!dataset.sinks.includes('eventhouse') || !dataset.eventhouse) continue;
        const queryServiceUri = dataset.eventhouse.queryServiceUri ?? defaultQueryServiceUri;
        const key = JSON.stringify([queryServiceUri?.replace(/\/+$/, '').toLowerCase(), dataset.eventhouse.database]);
        const target = targets.get(key) ?? {
            queryServiceUri,
            desired: { database: dataset.eventhouse.database, tables: [], ...(identity ? { identity } : {}) },
        };
        targets.set(key, target);
        for (const table of dataset.tables) {
            const names = eventhouseNames(dataset, table.name);
            const wanted: DesiredTable = {
                source: `${dataset.name}/${table.name}`,
                table: toKustoTable(table, names),
                mapping: names.mapping,
                view: names.view,
            };
            const same = target.desired.tables.find((candidate) => candidate.table.name === wanted.table.name);
            if (!same) {
                target.desired.tables.push(wanted);
                continue;
            }
            const shape = (desired: DesiredTable) => JSON.stringify([desired.table, desired.mapping, desired.view]);
            if (shape(same) !== shape(wanted)) {
                throw new Error(
                    `${same.source} and ${wanted.source} both deliver to table '${wanted.table.name}' of database ` +
                        `'${target.desired.database}' with different columns, mappings or views; name another table in eventhouse.tables`,
                );
            }
        }
    }
    return [...targets.values()];
}
