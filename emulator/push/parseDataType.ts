export type CanonicalDataType = 'Int64' | 'Double' | 'Boolean' | 'DateTime' | 'String' | 'Decimal';

const canonical: Record<string, CanonicalDataType> = {
    int64: 'Int64',
    double: 'Double',
    boolean: 'Boolean',
    datetime: 'DateTime',
    string: 'String',
    decimal: 'Decimal',
    // Microsoft's own PostDataset example declares `"dataType": "bool"`.
    bool: 'Boolean',
};

/**
 * Push column data types, matched case-insensitively (the docs' examples use "Int64", "int64",
 * "string", "DateTime", "dateTime"). Returns undefined for anything else.
 */
export function parseDataType(dataType: string): CanonicalDataType | undefined {
    return canonical[dataType.toLowerCase()];
}
