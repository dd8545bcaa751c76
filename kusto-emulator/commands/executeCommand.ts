import { randomUUID } from 'node:crypto';
import { authorizeDatabase } from '../auth/authorizeDatabase';
import type { KustoCaller } from '../auth/authenticateKusto';
import { kustoErrors } from '../errors/kustoErrors';
import type { KustoRuntime } from '../KustoRuntime';
import type { ResultTable } from '../results/ResultTable';
import { clrTypeNames } from '../state/kustoTypes';
import type { StoredDatabase, StoredMaterializedView, StoredTable } from '../state/KustoStore';
import { lookbackSeconds } from '../query/viewRows';
import type { ManagementCommand } from './parseCommand';
import { parseMappingElements } from './parseMappingElements';
import { parsePrincipalFqn } from './principalFqn';

const schemaColumns: ResultTable['columns'] = [
    { name: 'TableName', type: 'string' },
    { name: 'Schema', type: 'string' },
    { name: 'DatabaseName', type: 'string' },
    { name: 'Folder', type: 'string' },
    { name: 'DocString', type: 'string' },
];

const mappingColumns: ResultTable['columns'] = [
    { name: 'Name', type: 'string' },
    { name: 'Kind', type: 'string' },
    { name: 'Mapping', type: 'string' },
    { name: 'LastUpdatedOn', type: 'datetime' },
    { name: 'Database', type: 'string' },
    { name: 'Table', type: 'string' },
];

const viewColumns: ResultTable['columns'] = [
    { name: 'Name', type: 'string' },
    { name: 'SourceTable', type: 'string' },
    { name: 'Query', type: 'string' },
    { name: 'MaterializedTo', type: 'datetime' },
    { name: 'LastRun', type: 'datetime' },
    { name: 'LastRunResult', type: 'string' },
    { name: 'IsHealthy', type: 'bool' },
    { name: 'IsEnabled', type: 'bool' },
    { name: 'Folder', type: 'string' },
    { name: 'DocString', type: 'string' },
    { name: 'AutoUpdateSchema', type: 'bool' },
    { name: 'EffectiveDateTime', type: 'datetime' },
    { name: 'Lookback', type: 'timespan' },
];

const principalColumns: ResultTable['columns'] = [
    { name: 'Role', type: 'string' },
    { name: 'PrincipalType', type: 'string' },
    { name: 'PrincipalDisplayName', type: 'string' },
    { name: 'PrincipalObjectId', type: 'string' },
    { name: 'PrincipalFQN', type: 'string' },
    { name: 'Notes', type: 'string' },
];

/** Runs one parsed management command in the request's database (`.add`/`.show database D` name their own). */
export function executeCommand(
    runtime: KustoRuntime,
    caller: KustoCaller,
    database: StoredDatabase,
    command: ManagementCommand,
): ResultTable {
    const { store } = runtime;
    const now = runtime.now().toISOString();
    const requireTable = (name: string): StoredTable => {
        const table = store.table(database, name);
        if (!table) throw kustoErrors.tableNotFound(name, database.name);
        return table;
    };
    switch (command.kind) {
        case 'createMergeTable': {
            authorizeDatabase(runtime, caller, database, 'admin');
            if (store.materializedView(database, command.table)) {
                throw kustoErrors.entityAlreadyExists('MaterializedView', command.table);
            }
            const names = new Set<string>();
            for (const column of command.columns) {
                if (names.has(column.name)) throw kustoErrors.badRequest(`Column '${column.name}' is listed twice.`);
                names.add(column.name);
            }
            const existing = store.table(database, command.table);
            const table = existing ?? { name: command.table, columns: [], mappings: [], rows: [] };
            for (const column of command.columns) {
                const current = table.columns.find((candidate) => candidate.name === column.name);
                if (current && current.type !== column.type) {
                    throw kustoErrors.badRequest(
                        `Column '${column.name}' of table '${table.name}' is of type ${current.type}; .create-merge cannot change it to ${column.type}.`,
                    );
                }
            }
            for (const column of command.columns) {
                if (!table.columns.some((candidate) => candidate.name === column.name)) table.columns.push(column);
            }
            if (!existing) database.tables.push(table);
            return { columns: schemaColumns, rows: [schemaRow(table, database, 'json')] };
        }
        case 'showTableSchema': {
            authorizeDatabase(runtime, caller, database, 'show');
            const table = requireTable(command.table);
            return { columns: schemaColumns, rows: [schemaRow(table, database, command.format)] };
        }
        case 'createOrAlterMapping': {
            authorizeDatabase(runtime, caller, database, 'mapping');
            const table = requireTable(command.table);
            const elements = parseMappingElements(command.text, table, command.mapping);
            const mapping = {
                name: command.mapping,
                kind: 'Json' as const,
                elements,
                text: command.text,
                lastUpdatedOn: now,
            };
            table.mappings = [...table.mappings.filter((candidate) => candidate.name !== command.mapping), mapping];
            return {
                columns: mappingColumns,
                rows: [[mapping.name, mapping.kind, mapping.text, now, database.name, table.name]],
            };
        }
        case 'showMappings': {
            authorizeDatabase(runtime, caller, database, 'mapping');
            const table = requireTable(command.table);
            const mappings = table.mappings.filter(
                (mapping) => command.mapping === undefined || mapping.name === command.mapping,
            );
            if (command.mapping !== undefined && mappings.length === 0) {
                throw kustoErrors.mappingNotFound(command.mapping, 'Json', database.name, table.name);
            }
            return {
                columns: mappingColumns,
                rows: mappings.map((mapping) => [
                    mapping.name,
                    mapping.kind,
                    mapping.text,
                    mapping.lastUpdatedOn,
                    database.name,
                    table.name,
                ]),
            };
        }
        case 'createMaterializedView': {
            authorizeDatabase(runtime, caller, database, 'admin');
            const existing = store.materializedView(database, command.view);
            if (existing) {
                if (!command.ifNotExists) throw kustoErrors.entityAlreadyExists('MaterializedView', command.view);
                return { columns: viewColumns, rows: [viewRow(existing)] };
            }
            if (store.table(database, command.view)) throw kustoErrors.entityAlreadyExists('Table', command.view);
            const source = requireTable(command.sourceTable);
            if (!source.columns.some((column) => column.name === command.key)) {
                throw kustoErrors.semanticError(`SEM0100: Failed to resolve scalar expression named '${command.key}'`);
            }
            const view: StoredMaterializedView = {
                name: command.view,
                sourceTable: source.name,
                key: command.key,
                query: command.query,
                backfill: command.backfill,
                ...(command.lookback ? { lookback: command.lookback } : {}),
                createdAt: now,
                firstRowIndex: command.backfill ? 0 : source.rows.length,
            };
            database.materializedViews.push(view);
            if (!command.async) return { columns: viewColumns, rows: [viewRow(view)] };
            const operationId = randomUUID();
            database.operations.push({ id: operationId, operation: 'MaterializedViewCreate', startedOn: now });
            return { columns: [{ name: 'OperationId', type: 'guid' }], rows: [[operationId]] };
        }
        case 'showOperation': {
            authorizeDatabase(runtime, caller, database, 'show');
            const operation = database.operations.find((candidate) => candidate.id === command.operationId);
            return {
                columns: [
                    { name: 'OperationId', type: 'guid' },
                    { name: 'Operation', type: 'string' },
                    { name: 'StartedOn', type: 'datetime' },
                    { name: 'LastUpdatedOn', type: 'datetime' },
                    { name: 'State', type: 'string' },
                    { name: 'Status', type: 'string' },
                    { name: 'Database', type: 'string' },
                ],
                rows: operation
                    ? [
                          [
                              operation.id,
                              operation.operation,
                              operation.startedOn,
                              operation.startedOn,
                              'Completed',
                              '',
                              database.name,
                          ],
                      ]
                    : [],
            };
        }
        case 'showMaterializedViews': {
            authorizeDatabase(runtime, caller, database, 'show');
            const views = command.view
                ? [store.materializedView(database, command.view)].filter((view) => view !== undefined)
                : database.materializedViews;
            if (command.view && views.length === 0) throw kustoErrors.tableNotFound(command.view, database.name);
            return { columns: viewColumns, rows: views.map(viewRow) };
        }
        case 'addPrincipals': {
            const target = namedDatabase(runtime, command.database);
            authorizeDatabase(runtime, caller, target, 'admin');
            const parsed = command.fqns.map((fqn) => ({ fqn, ...parsePrincipalFqn(fqn) }));
            for (const principal of parsed) {
                const known = target.principals.some(
                    (existing) =>
                        existing.role === command.role &&
                        existing.id === principal.id &&
                        existing.tenant === principal.tenant,
                );
                if (known) continue;
                target.principals.push({
                    role: command.role,
                    fqn: principal.fqn,
                    id: principal.id,
                    ...(principal.tenant ? { tenant: principal.tenant } : {}),
                    notes: command.notes,
                    addedAt: now,
                });
            }
            return { columns: principalColumns, rows: principalRows(target) };
        }
        case 'showPrincipals': {
            const target = namedDatabase(runtime, command.database);
            // Documented: the security role commands, .show included, need Database Admin.
            authorizeDatabase(runtime, caller, target, 'admin');
            return { columns: principalColumns, rows: principalRows(target) };
        }
        case 'showTables':
            authorizeDatabase(runtime, caller, database, 'show');
            return {
                columns: [
                    { name: 'TableName', type: 'string' },
                    { name: 'DatabaseName', type: 'string' },
                    { name: 'Folder', type: 'string' },
                    { name: 'DocString', type: 'string' },
                ],
                rows: database.tables.map((table) => [table.name, database.name, '', '']),
            };
    }
}

function namedDatabase(runtime: KustoRuntime, name: string): StoredDatabase {
    const database = runtime.store.database(name);
    if (!database) throw kustoErrors.databaseNotFound(name);
    return database;
}

function schemaRow(table: StoredTable, database: StoredDatabase, format: 'json' | 'csl'): ResultTable['rows'][number] {
    const schema =
        format === 'csl'
            ? table.columns.map((column) => `${column.name}:${column.type}`).join(',')
            : JSON.stringify({
                  Name: table.name,
                  OrderedColumns: table.columns.map((column) => ({
                      Name: column.name,
                      Type: clrTypeNames[column.type].clr,
                      CslType: column.type,
                  })),
              });
    return [table.name, schema, database.name, '', ''];
}

function viewRow(view: StoredMaterializedView): ResultTable['rows'][number] {
    return [
        view.name,
        view.sourceTable,
        view.query,
        view.createdAt,
        view.createdAt,
        'Completed',
        true,
        true,
        '',
        '',
        false,
        view.createdAt,
        view.lookback ? toTimespan(view.lookback) : null,
    ];
}

/** `6h` -> `06:00:00`, `1d` -> `1.00:00:00`: how a timespan column shows it. */
function toTimespan(text: string): string {
    const seconds = lookbackSeconds(text);
    const days = Math.floor(seconds / 86_400);
    const rest = seconds % 86_400;
    const clock = [Math.floor(rest / 3_600), Math.floor((rest % 3_600) / 60), rest % 60]
        .map((part) => String(part).padStart(2, '0'))
        .join(':');
    return days > 0 ? `${days}.${clock}` : clock;
}

function principalRows(database: StoredDatabase): ResultTable['rows'] {
    return database.principals.map((principal) => [
        `Database ${database.name} ${principal.role}`,
        'AAD Application',
        principal.fqn,
        principal.id,
        `aadapp=${principal.id}${principal.tenant ? `;${principal.tenant}` : ''}`,
        principal.notes,
    ]);
}
