import { authenticateKusto, fabricAudience } from '../auth/authenticateKusto';
import { KustoError } from '../errors/KustoError';
import type { KustoHandlerResult, KustoRequestContext } from '../http/KustoRequestContext';
import type { KustoRuntime } from '../KustoRuntime';
import type { StoredEventhouse, StoredWorkspace } from '../state/KustoStore';
import { fabricErrors } from './FabricError';

export type FabricRoute =
    | { kind: 'eventhouses'; workspaceId: string; itemId?: string }
    | { kind: 'kqlDatabases'; workspaceId: string; itemId?: string };

/**
 * GET /v1/workspaces/{ws}/eventhouses[/{id}] and /v1/workspaces/{ws}/kqlDatabases[/{id}]: the Fabric REST subset
 * the setup script reads. Token audience https://api.fabric.microsoft.com; any workspace role may read.
 */
export function handleFabric(
    runtime: KustoRuntime,
    context: KustoRequestContext,
    route: FabricRoute,
): KustoHandlerResult {
    let callerId: string;
    try {
        callerId = authenticateKusto(runtime, context, [fabricAudience]).objectId;
    } catch (error) {
        if (error instanceof KustoError) throw fabricErrors.unauthorized(error.detail);
        throw error;
    }
    const workspace = runtime.store.workspace(route.workspaceId);
    if (!workspace) throw fabricErrors.workspaceNotFound(route.workspaceId);
    if (!workspace.members.some((member) => member.principalId === callerId))
        throw fabricErrors.insufficientPrivileges();
    const eventhouses = runtime.store.eventhouses.filter((eventhouse) => eventhouse.workspaceId === workspace.id);
    const items =
        route.kind === 'eventhouses'
            ? eventhouses.map((eventhouse) => toEventhouseItem(runtime, workspace, eventhouse))
            : eventhouses.flatMap((eventhouse) => toKqlDatabaseItems(runtime, workspace, eventhouse));
    if (route.itemId === undefined) return { status: 200, body: { value: items } };
    const item = items.find((candidate) => candidate.id === route.itemId?.toLowerCase());
    if (!item) throw fabricErrors.itemNotFound(route.itemId);
    return { status: 200, body: item };
}

function toEventhouseItem(runtime: KustoRuntime, workspace: StoredWorkspace, eventhouse: StoredEventhouse) {
    return {
        id: eventhouse.id,
        type: 'Eventhouse',
        displayName: eventhouse.displayName,
        description: '',
        workspaceId: workspace.id,
        properties: {
            queryServiceUri: runtime.url,
            ingestionServiceUri: runtime.url,
            databasesItemIds: eventhouse.databases.map((database) => database.id),
            minimumConsumptionUnits: 0,
        },
    };
}

function toKqlDatabaseItems(runtime: KustoRuntime, workspace: StoredWorkspace, eventhouse: StoredEventhouse) {
    return eventhouse.databases.map((database) => ({
        id: database.id,
        type: 'KQLDatabase',
        displayName: database.name,
        description: '',
        workspaceId: workspace.id,
        // The database's name is the item's displayName: the service's KQLDatabaseProperties have no name field.
        properties: {
            parentEventhouseItemId: eventhouse.id,
            queryServiceUri: runtime.url,
            ingestionServiceUri: runtime.url,
            databaseType: 'ReadWrite',
        },
    }));
}
