import type { PowerBiErrorDetail } from '../errors/PowerBiError';
import type { Limits } from '../limits/Limits';
import type { TableDefinition } from '../schemas/requestSchemas';
import type { StoredColumn, StoredTable } from '../state/StoredEntities';
import { parseDataType } from './parseDataType';

/**
 * Turns a Table definition into a stored table, collecting every schema problem as a detail:
 * unknown data types, more than 75 columns, duplicate column names (model object names are
 * case-insensitive), sortByColumn pointing nowhere.
 */
export function toStoredTable(
    definition: TableDefinition,
    target: string,
    limits: Limits,
    problems: PowerBiErrorDetail[],
): StoredTable {
    if (definition.columns.length > limits.maxColumns) {
        problems.push({
            message: `A table can have at most ${limits.maxColumns} columns; '${definition.name}' has ${definition.columns.length}.`,
            target: `${target}.columns`,
        });
    }
    const seen = new Set<string>();
    const columns: StoredColumn[] = definition.columns.map((column, index) => {
        const canonicalType = parseDataType(column.dataType);
        if (canonicalType === undefined) {
            problems.push({
                message: `The data type '${column.dataType}' is not supported. Use Int64, Double, Boolean, DateTime, String or Decimal.`,
                target: `${target}.columns[${index}].dataType`,
            });
        }
        const key = column.name.toLowerCase();
        if (seen.has(key)) {
            problems.push({
                message: `Duplicate column name '${column.name}'.`,
                target: `${target}.columns[${index}].name`,
            });
        }
        seen.add(key);
        return { ...column, canonicalType: canonicalType ?? 'String' };
    });
    columns.forEach((column, index) => {
        if (column.sortByColumn !== undefined && !columns.some((other) => other.name === column.sortByColumn)) {
            problems.push({
                message: `sortByColumn '${column.sortByColumn}' is not a column of table '${definition.name}'.`,
                target: `${target}.columns[${index}].sortByColumn`,
            });
        }
    });
    return {
        name: definition.name,
        columns,
        ...(definition.measures ? { measures: definition.measures } : {}),
        ...(definition.isHidden !== undefined ? { isHidden: definition.isHidden } : {}),
        ...(definition.description !== undefined ? { description: definition.description } : {}),
        partitions: [],
        rows: [],
    };
}
