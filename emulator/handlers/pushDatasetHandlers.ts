import { randomUUID } from 'node:crypto';
import { accessWorkspace, authenticate, requireWriteRole, type WorkspaceAccess } from '../auth/authorize';
import type { EmulatorRuntime } from '../EmulatorRuntime';
import type { PowerBiErrorDetail } from '../errors/PowerBiError';
import { powerBiErrors } from '../errors/powerBiErrors';
import { parseJsonBody } from '../http/parseJsonBody';
import { readBody } from '../http/readBody';
import type { HandlerResult, RequestContext } from '../http/RequestContext';
import type { RouteParams } from '../http/RouteParams';
import { appendRows } from '../push/appendRows';
import { toDatasetResponse } from '../push/toDatasetResponse';
import { toStoredTable } from '../push/toStoredTable';
import { validateRows } from '../push/validateRows';
import {
    createDatasetRequestSchema,
    postRowsRequestSchema,
    tableSchema,
    type CreateDatasetRequest,
    type TableDefinition,
} from '../schemas/requestSchemas';
import type { StoredDataset, StoredTable } from '../state/StoredEntities';

type Handler = (runtime: EmulatorRuntime, context: RequestContext, params: RouteParams) => Promise<HandlerResult>;

function access(runtime: EmulatorRuntime, context: RequestContext, params: RouteParams): WorkspaceAccess {
    const caller = authenticate(runtime, context);
    return accessWorkspace(runtime, caller, params.groupId);
}

function findDataset(runtime: EmulatorRuntime, workspace: WorkspaceAccess, datasetId: string): StoredDataset {
    const dataset = runtime.store.dataset(workspace.workspace.id, datasetId);
    if (!dataset) throw powerBiErrors.datasetNotFound(datasetId);
    return dataset;
}

function findPushDataset(runtime: EmulatorRuntime, workspace: WorkspaceAccess, datasetId: string): StoredDataset {
    const dataset = findDataset(runtime, workspace, datasetId);
    if (dataset.kind !== 'push') throw powerBiErrors.notPushDataset(dataset.id);
    return dataset;
}

/** Table names in push URLs are matched case-sensitively; a mismatch is a 404. */
function findTable(dataset: StoredDataset, tableName: string): StoredTable {
    const table = dataset.tables.find((candidate) => candidate.name === tableName);
    if (!table) throw powerBiErrors.tableNotFound(tableName, dataset.id);
    return table;
}

const retentionPolicies = ['None', 'basicFIFO'] as const;

/** POST .../datasets[?defaultRetentionPolicy=None|basicFIFO] (Datasets_PostDatasetInGroup). */
export const createDataset: Handler = async (runtime, context, params) => {
    const workspace = access(runtime, context, params);
    requireWriteRole(workspace);
    const policyParam = context.url.searchParams.get('defaultRetentionPolicy');
    const policy =
        policyParam === null
            ? 'None'
            : retentionPolicies.find((candidate) => candidate.toLowerCase() === policyParam.toLowerCase());
    if (policy === undefined) throw powerBiErrors.invalidRetentionPolicy(policyParam ?? '');
    const raw = await readBody(context.request, runtime.limits.maxRequestBytes);
    const request = parseJsonBody(context.request, raw, createDatasetRequestSchema, 'dataset') as CreateDatasetRequest;
    const dataset = buildPushDataset(runtime, request, policy, workspace.workspace.id, context.log.principalId ?? '');
    runtime.store.addDataset(dataset);
    context.log.datasetId = dataset.id;
    runtime.logger.info('push dataset created', { datasetId: dataset.id, tables: dataset.tables.length });
    return { status: 201, body: { id: dataset.id, name: dataset.name, defaultRetentionPolicy: policy } };
};

/** PushStreaming datasets take columns with name and dataType only; the service refuses any other property. */
function rejectColumnProperties(tables: readonly TableDefinition[]): void {
    const extra = tables.some((table) =>
        table.columns.some((column) =>
            Object.entries(column).some(([key, value]) => value !== undefined && key !== 'name' && key !== 'dataType'),
        ),
    );
    if (extra) throw powerBiErrors.unsupportedColumnProperties();
}

/** Validates a CreateDatasetRequest beyond its shape (limits, types, names) and builds the dataset. */
export function buildPushDataset(
    runtime: EmulatorRuntime,
    request: CreateDatasetRequest,
    policy: 'None' | 'basicFIFO',
    workspaceId: string,
    configuredBy: string,
    id: string = randomUUID(),
): StoredDataset {
    const problems: PowerBiErrorDetail[] = [];
    const mode = request.defaultMode ?? 'Push';
    if (mode !== 'Push' && mode !== 'PushStreaming') {
        problems.push({
            message: `defaultMode '${mode}' is not supported by the emulator; use Push or PushStreaming.`,
            target: 'dataset.defaultMode',
        });
    }
    if (request.tables.length === 0)
        problems.push({ message: 'A dataset needs at least one table.', target: 'dataset.tables' });
    if (request.tables.length > runtime.limits.maxTables) {
        problems.push({
            message: `A dataset can have at most ${runtime.limits.maxTables} tables; got ${request.tables.length}.`,
            target: 'dataset.tables',
        });
    }
    const relationships = request.relationships ?? [];
    if (relationships.length > runtime.limits.maxRelationships) {
        problems.push({
            message: `A dataset can have at most ${runtime.limits.maxRelationships} relationships; got ${relationships.length}.`,
            target: 'dataset.relationships',
        });
    }
    const seen = new Set<string>();
    const tables = request.tables.map((definition, index) => {
        const key = definition.name.toLowerCase();
        if (seen.has(key))
            problems.push({
                message: `Duplicate table name '${definition.name}'.`,
                target: `dataset.tables[${index}].name`,
            });
        seen.add(key);
        return toStoredTable(definition, `dataset.tables[${index}]`, runtime.limits, problems);
    });
    relationships.forEach((relationship, index) => {
        for (const [tableName, columnName, side] of [
            [relationship.fromTable, relationship.fromColumn, 'from'],
            [relationship.toTable, relationship.toColumn, 'to'],
        ] as const) {
            const table = tables.find((candidate) => candidate.name === tableName);
            if (!table || !table.columns.some((column) => column.name === columnName)) {
                problems.push({
                    message: `Relationship '${relationship.name}' refers to ${tableName}[${columnName}], which does not exist.`,
                    target: `dataset.relationships[${index}].${side}Column`,
                });
            }
        }
    });
    if (problems.length > 0) throw powerBiErrors.badRequest(problems);
    if (mode === 'PushStreaming') rejectColumnProperties(request.tables);
    // Rows given inline in the table definitions are validated like a POST rows call.
    request.tables.forEach((definition, index) => {
        const table = tables[index]!;
        if (!definition.rows || definition.rows.length === 0) return;
        const result = validateRows(definition.rows, table.columns, runtime.limits.maxStringLength);
        if (result.errors.length > 0) {
            throw powerBiErrors.invalidRows(
                result.errors.map((error) => ({ ...error, target: `dataset.tables[${index}].${error.target ?? ''}` })),
            );
        }
        table.rows = result.rows;
    });
    return {
        id: id.toLowerCase(),
        name: request.name,
        workspaceId,
        kind: 'push',
        defaultMode: mode,
        defaultRetentionPolicy: policy,
        configuredBy,
        createdDate: runtime.clock.now().toISOString(),
        tables,
        relationships,
        refreshScript: {
            durationSeconds: 30,
            startDelaySeconds: 0,
            outcome: 'success',
            failedAttempts: 0,
            dropped: false,
        },
        queuedRefreshScripts: [],
        refreshes: [],
    };
}

/** GET .../datasets (Datasets_GetDatasetsInGroup). */
export const getDatasets: Handler = async (runtime, context, params) => {
    const workspace = access(runtime, context, params);
    return {
        status: 200,
        body: {
            '@odata.context': `${runtime.url}${workspace.basePath}/$metadata#datasets`,
            value: runtime.store
                .datasetsIn(workspace.workspace.id)
                .map((dataset) => toDatasetResponse(dataset, runtime.url)),
        },
    };
};

/** GET .../datasets/{datasetId}. */
export const getDataset: Handler = async (runtime, context, params) => {
    const workspace = access(runtime, context, params);
    const dataset = findDataset(runtime, workspace, params.datasetId ?? '');
    context.log.datasetId = dataset.id;
    return {
        status: 200,
        body: {
            '@odata.context': `${runtime.url}${workspace.basePath}/$metadata#datasets/$entity`,
            ...toDatasetResponse(dataset, runtime.url),
        },
    };
};

/** DELETE .../datasets/{datasetId}. */
export const deleteDataset: Handler = async (runtime, context, params) => {
    const workspace = access(runtime, context, params);
    requireWriteRole(workspace);
    const dataset = findDataset(runtime, workspace, params.datasetId ?? '');
    context.log.datasetId = dataset.id;
    runtime.store.removeDataset(dataset.id);
    runtime.throttle.forget(dataset.id);
    return { status: 200 };
};

/** GET .../datasets/{datasetId}/tables (push only). */
export const getTables: Handler = async (runtime, context, params) => {
    const workspace = access(runtime, context, params);
    const dataset = findPushDataset(runtime, workspace, params.datasetId ?? '');
    context.log.datasetId = dataset.id;
    return {
        status: 200,
        body: {
            '@odata.context': `${runtime.url}${workspace.basePath}/$metadata#tables`,
            value: dataset.tables.map((table) => ({ name: table.name })),
        },
    };
};

/**
 * PUT .../datasets/{datasetId}/tables/{tableName}: replaces the table's schema and deletes its rows, as a public
 * client's documentation reports the service does (Microsoft's reference does not say; see README).
 */
export const putTable: Handler = async (runtime, context, params) => {
    const workspace = access(runtime, context, params);
    requireWriteRole(workspace);
    const dataset = findPushDataset(runtime, workspace, params.datasetId ?? '');
    context.log.datasetId = dataset.id;
    const existing = findTable(dataset, params.tableName ?? '');
    const raw = await readBody(context.request, runtime.limits.maxRequestBytes);
    const definition = parseJsonBody(context.request, raw, tableSchema, 'requestMessage')!;
    const problems: PowerBiErrorDetail[] = [];
    if (definition.name !== existing.name) {
        problems.push({
            message: `The table name '${definition.name}' does not match '${existing.name}' in the URL.`,
            target: 'requestMessage.name',
        });
    }
    const replacement = toStoredTable(definition, 'requestMessage', runtime.limits, problems);
    if (problems.length > 0) throw powerBiErrors.badRequest(problems);
    if (dataset.defaultMode === 'PushStreaming') rejectColumnProperties([definition]);
    dataset.tables = dataset.tables.map((table) => (table === existing ? replacement : table));
    runtime.store.changed();
    return { status: 200, body: { name: replacement.name } };
};

/** POST .../tables/{tableName}/rows: throttled, validated, all-or-nothing. */
export const postRows: Handler = async (runtime, context, params) => {
    const workspace = access(runtime, context, params);
    requireWriteRole(workspace);
    const dataset = findPushDataset(runtime, workspace, params.datasetId ?? '');
    context.log.datasetId = dataset.id;
    const table = findTable(dataset, params.tableName ?? '');
    const raw = await readBody(context.request, runtime.limits.maxRequestBytes);
    const { rows } = parseJsonBody(context.request, raw, postRowsRequestSchema, 'requestMessage', {
        exactNumbers: true,
    })!;
    context.log.rows = rows.length;
    const { limits } = runtime;
    if (rows.length > limits.maxRowsPerRequest) {
        throw powerBiErrors.requestTooLarge(
            `The request contains ${rows.length} rows; at most ${limits.maxRowsPerRequest} rows are allowed per request.`,
        );
    }
    const now = runtime.clock.nowMs();
    const verdict = runtime.throttle.check(dataset.id, now, rows.length, table.rows.length);
    if (!verdict.allowed) {
        runtime.logger.warn('post rows throttled', {
            datasetId: dataset.id,
            reason: verdict.reason,
            retryAfterSeconds: verdict.retryAfterSeconds,
        });
        const retryAfterSeconds = runtime.clock.retryAfterSeconds(verdict.retryAfterSeconds);
        if (verdict.reason === 'rowsPerHour') throw powerBiErrors.tooManyRows(retryAfterSeconds);
        if (verdict.reason === 'pending') throw powerBiErrors.tooManyPendingRequests(retryAfterSeconds);
        throw powerBiErrors.tooManyRequests(retryAfterSeconds);
    }
    runtime.throttle.recordRequest(dataset.id, now);
    const result = validateRows(rows, table.columns, limits.maxStringLength);
    if (result.errors.length > 0) throw powerBiErrors.invalidRows(result.errors);
    appendRows(dataset, table, result.rows, limits);
    runtime.throttle.recordRows(dataset.id, now, rows.length);
    runtime.store.changed();
    return { status: 200 };
};

/** DELETE .../tables/{tableName}/rows: removes every row of the table. */
export const deleteRows: Handler = async (runtime, context, params) => {
    const workspace = access(runtime, context, params);
    requireWriteRole(workspace);
    const dataset = findPushDataset(runtime, workspace, params.datasetId ?? '');
    context.log.datasetId = dataset.id;
    const table = findTable(dataset, params.tableName ?? '');
    table.rows = [];
    runtime.store.changed();
    return { status: 200 };
};
