import type { DatasetConfig, RelayConfig } from '../config/relayConfig';
import type { PowerBiClient } from '../powerbi/powerBiClient';
import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import type { Dataset, TableDefinition } from '../powerbi/schemas';
import type { DatasetClaims } from './datasetClaims';

export type ResolvedDataset =
    { ok: true; workspaceId: string; datasetId: string } | { ok: false; failure: PowerBiFailure };

export interface DatasetResolver {
    /** Finds (or creates, as Microsoft's walkthrough does) the push dataset and makes sure the table exists. */
    resolve(datasetName: string, tableName: string): Promise<ResolvedDataset>;
    /** Forgets what is known of a dataset, e.g. after Power BI answered 404 for it. */
    forget(datasetName: string): void;
}

const toTableDefinition = (table: DatasetConfig['tables'][number]): TableDefinition => ({
    name: table.name,
    columns: table.columns.map((column) => ({ name: column.name, dataType: column.dataType })),
});

const permanent = (message: string): ResolvedDataset => ({
    ok: false,
    failure: { kind: 'permanent', status: 404, message },
});

/** How often, and how long, an instance looks for a dataset another instance is creating. */
const creationPollMs = 1_000;
const creationWaitMs = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createDatasetResolver(
    client: PowerBiClient,
    config: RelayConfig,
    defaultWorkspaceId: string,
    claims: DatasetClaims,
): DatasetResolver {
    /** Per dataset: its id and the tables known to exist. One lookup at a time per dataset, shared by concurrent pushes. */
    const known = new Map<string, Promise<ResolvedDataset & { tables?: Set<string> }>>();

    async function found(
        workspaceId: string,
        dataset: DatasetConfig,
    ): Promise<(ResolvedDataset & { tables?: Set<string> }) | undefined> {
        const listed = await client.getDatasets(workspaceId);
        if (!listed.ok) return listed;
        const existing = listed.value.filter((d: Dataset) => d.name === dataset.name);
        const push = existing.find((d) => d.addRowsAPIEnabled === true);
        if (push) {
            const tables = await client.getTables(workspaceId, push.id);
            if (!tables.ok) return tables;
            return { ok: true, workspaceId, datasetId: push.id, tables: new Set(tables.value.map((t) => t.name)) };
        }
        if (existing.length > 0) {
            return permanent(
                `Dataset "${dataset.name}" exists in workspace ${workspaceId} but is not a push dataset (addRowsAPIEnabled is false); rename it or the configured dataset`,
            );
        }
        return undefined;
    }

    async function lookUp(dataset: DatasetConfig): Promise<ResolvedDataset & { tables?: Set<string> }> {
        const workspaceId = dataset.workspaceId ?? defaultWorkspaceId;
        const existing = await found(workspaceId, dataset);
        if (existing) return existing;
        if ((await claims.claim(workspaceId, dataset.name)) === 'theirs') {
            for (let waited = 0; waited < creationWaitMs; waited += creationPollMs) {
                await sleep(creationPollMs);
                const created = await found(workspaceId, dataset);
                if (created) return created;
            }
            return {
                ok: false,
                failure: {
                    kind: 'transient',
                    message: `Another instance is creating dataset "${dataset.name}" and it has not appeared yet`,
                },
            };
        }
        // Whoever held the claim before may have finished in the meantime.
        const createdMeanwhile = await found(workspaceId, dataset);
        if (createdMeanwhile) return createdMeanwhile;
        const created = await client.createDataset(
            workspaceId,
            { name: dataset.name, defaultMode: 'Push', tables: dataset.tables.map(toTableDefinition) },
            dataset.defaultRetentionPolicy,
        );
        if (!created.ok) return created;
        return {
            ok: true,
            workspaceId,
            datasetId: created.value.id,
            tables: new Set(dataset.tables.map((t) => t.name)),
        };
    }

    return {
        async resolve(datasetName, tableName) {
            const dataset = config.datasets.find((d) => d.name === datasetName);
            const table = dataset?.tables.find((t) => t.name === tableName);
            if (!dataset || !table)
                return permanent(`Dataset "${datasetName}" table "${tableName}" is not in the configuration`);
            let entry = known.get(datasetName);
            if (!entry) {
                entry = lookUp(dataset);
                known.set(datasetName, entry);
            }
            const resolved = await entry;
            if (!resolved.ok) {
                if (known.get(datasetName) === entry) known.delete(datasetName);
                return resolved;
            }
            if (!resolved.tables?.has(tableName)) {
                const put = await client.putTable(resolved.workspaceId, resolved.datasetId, toTableDefinition(table));
                if (!put.ok) {
                    if (put.failure.kind !== 'permanent') return put;
                    return permanent(
                        `Table "${tableName}" is missing from push dataset "${datasetName}" and Power BI refused to add it (${put.failure.status} ${put.failure.message}); add the table to the dataset, or delete the dataset so the relay recreates it from the config`,
                    );
                }
                resolved.tables?.add(tableName);
            }
            return { ok: true, workspaceId: resolved.workspaceId, datasetId: resolved.datasetId };
        },
        forget(datasetName) {
            known.delete(datasetName);
        },
    };
}
