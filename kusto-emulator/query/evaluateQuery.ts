import { kustoErrors } from '../errors/kustoErrors';
import type { ResultTable } from '../results/ResultTable';
import type { KustoStore, StoredColumn, StoredDatabase } from '../state/KustoStore';
import type { KustoType, StoredValue } from '../state/kustoTypes';
import type { Literal, ParsedQuery, QueryOperator } from './parseQuery';
import { viewRows } from './viewRows';

interface Relation {
    columns: StoredColumn[];
    rows: Record<string, StoredValue>[];
}

const numeric: KustoType[] = ['long', 'int', 'real'];

/** Runs a parsed query of the subset against one database and answers its primary result. */
export function evaluateQuery(store: KustoStore, database: StoredDatabase, query: ParsedQuery): ResultTable {
    let relation = resolveSource(store, database, query.source);
    for (const operator of query.operators) relation = apply(relation, operator);
    return {
        columns: relation.columns.map((column) => ({ name: column.name, type: column.type })),
        rows: relation.rows.map((row) => relation.columns.map((column) => row[column.name] ?? null)),
    };
}

function resolveSource(store: KustoStore, database: StoredDatabase, source: ParsedQuery['source']): Relation {
    const view = store.materializedView(database, source.name);
    if (source.kind === 'materializedView' && !view) {
        throw kustoErrors.semanticError(
            `SEM0100: materialized view '${source.name}' was not found in database '${database.name}'`,
        );
    }
    if (view) {
        const table = store.table(database, view.sourceTable);
        if (!table)
            throw kustoErrors.semanticError(`SEM0100: the source table of view '${view.name}' no longer exists`);
        return { columns: table.columns, rows: viewRows(view, table).map((row) => row.values) };
    }
    const table = store.table(database, source.name);
    if (!table) {
        throw kustoErrors.semanticError(`SEM0100: Failed to resolve table or column expression named '${source.name}'`);
    }
    return { columns: table.columns, rows: table.rows.map((row) => row.values) };
}

function apply(relation: Relation, operator: QueryOperator): Relation {
    switch (operator.kind) {
        case 'count':
            return { columns: [{ name: 'Count', type: 'long' }], rows: [{ Count: relation.rows.length }] };
        case 'summarizeCount': {
            const column = columnOf(relation, operator.by);
            const groups = new Map<string, { value: StoredValue; count: number }>();
            for (const row of relation.rows) {
                const value = row[column.name] ?? null;
                const key = JSON.stringify(value);
                const group = groups.get(key);
                if (group) group.count += 1;
                else groups.set(key, { value, count: 1 });
            }
            return {
                columns: [column, { name: 'count_', type: 'long' }],
                rows: [...groups.values()].map((group) => ({ [column.name]: group.value, count_: group.count })),
            };
        }
        case 'whereStartsWith': {
            const column = columnOf(relation, operator.column);
            requireType(column, ['string'], 'startswith');
            // startswith is case-insensitive in KQL (startswith_cs is the case-sensitive one).
            const prefix = operator.prefix.toLowerCase();
            return filter(relation, (row) =>
                String(row[column.name] ?? '')
                    .toLowerCase()
                    .startsWith(prefix),
            );
        }
        case 'whereIn': {
            const column = columnOf(relation, operator.column);
            for (const value of operator.values) requireComparable(column, value, 'in');
            return filter(relation, (row) => operator.values.some((value) => equals(row[column.name], value)));
        }
        case 'where': {
            const column = columnOf(relation, operator.column);
            requireComparable(column, operator.value, operator.op);
            if (['>', '>=', '<', '<='].includes(operator.op)) requireType(column, numeric, operator.op);
            return filter(relation, (row) => compare(row[column.name], operator.op, operator.value));
        }
    }
}

function filter(relation: Relation, keep: (row: Record<string, StoredValue>) => boolean): Relation {
    return { columns: relation.columns, rows: relation.rows.filter(keep) };
}

function columnOf(relation: Relation, name: string): StoredColumn {
    const column = relation.columns.find((candidate) => candidate.name === name);
    if (!column) throw kustoErrors.semanticError(`SEM0100: Failed to resolve scalar expression named '${name}'`);
    return column;
}

function requireType(column: StoredColumn, types: KustoType[], op: string): void {
    if (!types.includes(column.type)) {
        throw kustoErrors.semanticError(
            `operator '${op}' cannot be applied to column '${column.name}' of type ${column.type}`,
        );
    }
}

/**
 * KQL refuses comparisons across types (a long with a string literal; a guid or datetime column needs guid(..) or
 * datetime(..), which the subset does not have); so does the emulator.
 */
function requireComparable(column: StoredColumn, value: Literal, op: string): void {
    const fits =
        typeof value === 'string'
            ? column.type === 'string'
            : typeof value === 'number'
              ? numeric.includes(column.type) || column.type === 'decimal'
              : column.type === 'bool';
    if (!fits) {
        throw kustoErrors.semanticError(
            `cannot compare column '${column.name}' of type ${column.type} with ${JSON.stringify(value)} (operator '${op}')`,
        );
    }
}

function equals(stored: StoredValue | undefined, value: Literal): boolean {
    if (typeof value === 'number') return Number(stored) === value;
    return stored === value;
}

function compare(stored: StoredValue | undefined, op: string, value: Literal): boolean {
    if (op === '==') return equals(stored, value);
    if (op === '!=') return !equals(stored, value);
    if (stored === null || stored === undefined) return false;
    const left = Number(stored);
    const right = Number(value);
    switch (op) {
        case '>':
            return left > right;
        case '>=':
            return left >= right;
        case '<':
            return left < right;
        default:
            return left <= right;
    }
}
