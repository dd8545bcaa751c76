import type { DatasetConfig } from '../config/relayConfig';
import { toDataType } from '../config/dataTypes';
import type { PowerBiClient } from '../powerbi/powerBiClient';
import type { Dataset, PowerBiTable } from '../powerbi/schemas';
import type { DoctorCheck } from './DoctorCheck';
import { accessFix, describeFailure } from './accessFixes';

/** What the service's tables lack that the config needs; extra tables and columns are harmless. */
function schemaMismatches(config: DatasetConfig, tables: readonly PowerBiTable[]): string[] {
    const problems: string[] = [];
    for (const wanted of config.tables) {
        const table = tables.find((candidate) => candidate.name === wanted.name);
        if (!table) {
            // Table names are case-sensitive in push URLs: a near miss is a 404 for every row.
            const nearMiss = tables.find((candidate) => candidate.name.toLowerCase() === wanted.name.toLowerCase());
            problems.push(
                nearMiss
                    ? `table "${wanted.name}" is "${nearMiss.name}" in Power BI (names are case-sensitive)`
                    : `table "${wanted.name}" is missing`,
            );
            continue;
        }
        // Get Tables may list names only; columns are compared when the service reports them.
        if (!table.columns) continue;
        for (const column of wanted.columns) {
            const actual = table.columns.find((candidate) => candidate.name === column.name);
            if (!actual) problems.push(`column "${wanted.name}"."${column.name}" is missing`);
            else if (toDataType(actual.dataType) !== column.dataType) {
                problems.push(
                    `column "${wanted.name}"."${column.name}" is ${actual.dataType} in Power BI, ${column.dataType} in the config`,
                );
            }
        }
    }
    return problems;
}

/**
 * A configured push dataset is fine when absent (the relay creates it on the first push) or present
 * with addRowsAPIEnabled and the configured tables; a same-named dataset that is not a push dataset
 * makes every push fail (src/push/datasetResolver.ts).
 */
export async function checkPushDataset(
    client: PowerBiClient,
    config: DatasetConfig,
    workspaceId: string,
    principalId: string,
    datasets: readonly Dataset[],
): Promise<DoctorCheck> {
    const name = `Push dataset "${config.name}"`;
    const sameName = datasets.filter((dataset) => dataset.name === config.name);
    const push = sameName.filter((dataset) => dataset.addRowsAPIEnabled === true);
    if (sameName.length === 0) {
        return {
            name,
            ok: true,
            detail: `not in workspace ${workspaceId} yet; the relay creates it on the first push`,
        };
    }
    if (push.length === 0) {
        return {
            name,
            ok: false,
            detail: `"${config.name}" (${sameName.map((dataset) => dataset.id).join(', ')}) in workspace ${workspaceId} is not a push dataset (addRowsAPIEnabled is false)`,
            fix: `Rename the configured dataset in pbi-relay.config.json, or rename or delete the existing "${config.name}" in the workspace; rows can only be pushed to push datasets.`,
        };
    }
    const dataset = push[0]!;
    const tables = await client.getTables(workspaceId, dataset.id);
    if (!tables.ok) {
        return {
            name,
            ok: false,
            detail: `GET tables of ${dataset.id}: ${describeFailure(tables.failure)}`,
            fix: accessFix(tables.failure, { workspaceId, principalId }),
        };
    }
    const problems = schemaMismatches(config, tables.value);
    const duplicates = push.length > 1 ? `; ${push.length} push datasets have this name, the relay uses the first` : '';
    if (problems.length > 0) {
        return {
            name,
            ok: false,
            detail: `push dataset ${dataset.id} does not match the config: ${problems.join('; ')}${duplicates}`,
            fix: [
                `Make the config match the dataset, or delete dataset ${dataset.id} in the Power BI service`,
                '(its rows are lost) so that the relay creates it again from the config on the next push.',
            ].join('\n'),
        };
    }
    return {
        name,
        ok: true,
        detail: `push dataset ${dataset.id} with table(s) ${config.tables.map((table) => `"${table.name}"`).join(', ')}${duplicates}`,
    };
}
