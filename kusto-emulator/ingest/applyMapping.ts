import { kustoErrors } from '../errors/kustoErrors';
import { toColumnValue, type StoredValue } from '../state/kustoTypes';
import type { StoredMapping, StoredTable } from '../state/KustoStore';
import { parseJsonPath, valueAt } from './jsonPath';

const maxListedErrors = 10;

/**
 * Turns records into table rows through a JSON mapping: each mapped column takes the value at its path, converted
 * to the column's type; unmapped columns and missing values are null (an empty string for string columns, which
 * cannot hold null in Kusto). One value that does not fit refuses the whole request (400, nothing stored).
 */
export function applyMapping(
    table: StoredTable,
    mapping: StoredMapping,
    records: Record<string, unknown>[],
): Record<string, StoredValue>[] {
    const paths = new Map(mapping.elements.map((element) => [element.column, parseJsonPath(element.path) ?? []]));
    const problems: string[] = [];
    let failures = 0;
    const rows = records.map((record, index) => {
        const row: Record<string, StoredValue> = {};
        for (const column of table.columns) {
            const path = paths.get(column.name);
            const converted = toColumnValue(column.type, path ? valueAt(record, path) : undefined);
            if (converted.ok) {
                row[column.name] = converted.value === null && column.type === 'string' ? '' : converted.value;
            } else {
                failures += 1;
                if (problems.length < maxListedErrors) {
                    problems.push(`record ${index}, column '${column.name}': ${converted.reason}`);
                }
            }
        }
        return row;
    });
    if (failures > 0) {
        const more = failures > problems.length ? ` (and ${failures - problems.length} more)` : '';
        throw kustoErrors.invalidData(
            `${failures} value(s) do not fit their columns (mapping '${mapping.name}', table '${table.name}'): ${problems.join('; ')}${more}.`,
        );
    }
    return rows;
}
