/**
 * Power BI push-table column types. The service matches type names case-insensitively and Microsoft's own
 * examples use aliases ("bool", "string", "dateTime"), so configuration accepts those and normalises them.
 * https://learn.microsoft.com/power-bi/developer/automation/api-dataset-properties
 */
export const dataTypes = ['Int64', 'Double', 'Boolean', 'DateTime', 'String', 'Decimal'] as const;

export type DataType = (typeof dataTypes)[number];

const aliases: Record<string, DataType> = {
    int64: 'Int64',
    int: 'Int64',
    integer: 'Int64',
    long: 'Int64',
    double: 'Double',
    float: 'Double',
    boolean: 'Boolean',
    bool: 'Boolean',
    datetime: 'DateTime',
    date: 'DateTime',
    string: 'String',
    text: 'String',
    decimal: 'Decimal',
    currency: 'Decimal',
};

/** The canonical name of a data type, or undefined when Power BI would not recognise it. */
export function toDataType(name: string): DataType | undefined {
    return aliases[name.toLowerCase()];
}
