import type { KustoType, StoredValue } from './kustoTypes';

export type DatabaseRole = 'Admin' | 'Ingestor' | 'Viewer';

export interface StoredPrincipal {
    role: DatabaseRole;
    /** As given, e.g. `aadapp=<client id>;<tenant id>`. */
    fqn: string;
    /** The id part of the FQN, lower case: an application (client) id or an object id. */
    id: string;
    /** The tenant part of the FQN, lower case, when given. */
    tenant?: string;
    notes: string;
    addedAt: string;
}

export interface StoredColumn {
    name: string;
    type: KustoType;
}

export interface StoredMappingElement {
    column: string;
    path: string;
    datatype?: KustoType;
}

export interface StoredMapping {
    name: string;
    kind: 'Json';
    elements: StoredMappingElement[];
    /** The mapping text as the command sent it (`.show ... ingestion mappings` answers it). */
    text: string;
    lastUpdatedOn: string;
}

export interface StoredRow {
    values: Record<string, StoredValue>;
    /** ingestion_time() of the row (emulated clock), ISO 8601. */
    ingestionTime: string;
}

export interface StoredTable {
    name: string;
    columns: StoredColumn[];
    mappings: StoredMapping[];
    rows: StoredRow[];
}

export interface StoredMaterializedView {
    name: string;
    sourceTable: string;
    /** The deduplication key of `summarize take_any(*) by <key>`. */
    key: string;
    query: string;
    backfill: boolean;
    lookback?: string;
    createdAt: string;
    /** Rows of the source table ingested before creation are left out unless `backfill`. */
    firstRowIndex: number;
}

/** An async command's operation (`.show operations <id>`); the emulator completes it at once. */
export interface StoredOperation {
    id: string;
    operation: string;
    startedOn: string;
}

export interface StoredDatabase {
    name: string;
    operations: StoredOperation[];
    principals: StoredPrincipal[];
    tables: StoredTable[];
    materializedViews: StoredMaterializedView[];
}

export type WorkspaceRole = 'Admin' | 'Member' | 'Contributor' | 'Viewer';

export interface StoredWorkspace {
    id: string;
    name: string;
    members: { principalId: string; role: WorkspaceRole }[];
}

export interface StoredEventhouse {
    id: string;
    workspaceId: string;
    displayName: string;
    /** Names of the KQL databases of this eventhouse (each is a database above). */
    databases: { id: string; name: string }[];
}

const sameName = (a: string, b: string) => a === b;

/**
 * The emulator's state: databases (principals, tables with rows, mappings, materialized views) and the Fabric items
 * (workspaces, eventhouses) that hold them. Entity names are case-sensitive, as in Kusto.
 */
export class KustoStore {
    databases: StoredDatabase[] = [];
    workspaces: StoredWorkspace[] = [];
    eventhouses: StoredEventhouse[] = [];

    reset(): void {
        this.databases = [];
        this.workspaces = [];
        this.eventhouses = [];
    }

    database(name: string): StoredDatabase | undefined {
        return this.databases.find((database) => sameName(database.name, name));
    }

    table(database: StoredDatabase, name: string): StoredTable | undefined {
        return database.tables.find((table) => sameName(table.name, name));
    }

    materializedView(database: StoredDatabase, name: string): StoredMaterializedView | undefined {
        return database.materializedViews.find((view) => sameName(view.name, name));
    }

    workspace(id: string): StoredWorkspace | undefined {
        return this.workspaces.find((workspace) => workspace.id === id.toLowerCase());
    }

    /** The eventhouse whose KQL databases include `database`, if the database belongs to one. */
    eventhouseOf(database: string): StoredEventhouse | undefined {
        return this.eventhouses.find((eventhouse) => eventhouse.databases.some((entry) => entry.name === database));
    }
}
