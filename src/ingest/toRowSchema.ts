import { z } from 'zod';
import type { ColumnConfig, TableConfig } from '../config/relayConfig';
import type { DataType } from '../config/dataTypes';

/** The JSON of each Power BI data type as validateRows accepts it (api-dataset-properties limits). */
const valueSchemas: Record<DataType, () => z.ZodType> = {
    // Not z.int(): that stops at ±2^53, and the relay keeps every digit of a larger Int64 (parseJsonLosslessly).
    Int64: () =>
        z.number().refine(Number.isInteger).meta({
            type: 'integer',
            description:
                'Int64: a whole number from -9223372036854775807 to 9223372036854775806 (Int64.MinValue and MaxValue are not allowed); every digit is kept, also beyond ±2^53',
        }),
    Double: () => z.number().describe('Double: a finite number, not ±Double.MaxValue'),
    Decimal: () =>
        z
            .number()
            .describe(
                'Decimal: at most 4 decimal places and 24 digits before the point (precision 28, scale 4); every digit is kept',
            ),
    Boolean: () => z.boolean(),
    String: () => z.string().max(4000),
    DateTime: () =>
        z.string().meta({
            description:
                'DateTime: ISO 8601 (e.g. 2024-05-01T12:30:00Z) or M/D/YYYY[ h:mm[:ss][ AM|PM]], years 1 to 9999; stored as UTC',
            examples: ['2024-05-01T12:30:00Z'],
        }),
};

function toColumnSchema(column: ColumnConfig): z.ZodType {
    const value = valueSchemas[column.dataType]();
    return column.required ? value : value.nullable().optional();
}

/**
 * One row of a configured table as a zod schema, for the OpenAPI document: the columns, their types and
 * which are required, and whether other properties are refused or dropped (unknownColumns). validateRows
 * applies the same rules to the rows a request carries (a test keeps the two in agreement).
 */
export function toRowSchema(table: TableConfig): z.ZodObject {
    const shape = Object.fromEntries(table.columns.map((column) => [column.name, toColumnSchema(column)]));
    const row = table.unknownColumns === 'drop' ? z.looseObject(shape) : z.strictObject(shape);
    return row.describe(`A row of table "${table.name}"`);
}
