import type { DataType } from '../config/dataTypes';
import type { DatasetConfig, TableConfig } from '../config/relayConfig';
import { kustoName } from './kustoLiterals';

/** The Kusto scalar types the relay's tables use. */
export type KustoColumnType = 'string' | 'long' | 'real' | 'decimal' | 'bool' | 'datetime';

export interface KustoColumn {
    name: string;
    type: KustoColumnType;
}

export interface KustoTable {
    name: string;
    columns: KustoColumn[];
}

/** One element of a JSON ingestion mapping, in the documented lower-case form. */
export interface JsonMappingElement {
    column: string;
    path: string;
    datatype: KustoColumnType;
}

/** The Kusto names of one Power BI table. */
export interface EventhouseNames {
    table: string;
    mapping: string;
    view: string;
}

/** The column carrying `<ingestionId>:<rowIndex>`, the key the dedup view summarizes by. */
export const eventIdColumn = 'EventId';
/** The column carrying the ingestion id, so a count after an ambiguous outcome can ask for one ingestion's rows. */
export const ingestionIdColumn = 'IngestionId';

const kustoTypes: Record<DataType, KustoColumnType> = {
    Int64: 'long',
    Double: 'real',
    Decimal: 'decimal',
    Boolean: 'bool',
    DateTime: 'datetime',
    String: 'string',
};

/** Defaults per Power BI table T: Kusto table `T`, JSON mapping `T_json`, dedup materialized view `T_dedup`. */
export function eventhouseNames(dataset: Pick<DatasetConfig, 'eventhouse'>, tableName: string): EventhouseNames {
    const configured = dataset.eventhouse?.tables?.[tableName];
    return {
        table: configured?.table ?? tableName,
        mapping: configured?.mapping ?? `${tableName}_json`,
        view: configured?.view ?? `${tableName}_dedup`,
    };
}

/** Deterministic, so a row sent again after an ambiguous outcome carries the same EventId and the view keeps one. */
export function toEventId(ingestionId: string, rowIndex: number): string {
    return `${ingestionId}:${rowIndex}`;
}

/**
 * The Kusto table of a configured Power BI table: `EventId` first, the Power BI columns in order with their Kusto
 * types, then `IngestionId`. A Power BI column named like one of the two added columns cannot be mapped (throws).
 */
export function toKustoTable(
    table: Pick<TableConfig, 'name' | 'columns'>,
    names: Pick<EventhouseNames, 'table'>,
): KustoTable {
    const clash = table.columns.find((column) => column.name === eventIdColumn || column.name === ingestionIdColumn);
    if (clash) {
        throw new Error(
            `Table "${table.name}" has a column "${clash.name}", which the Eventhouse sink adds itself; rename the column`,
        );
    }
    return {
        name: names.table,
        columns: [
            { name: eventIdColumn, type: 'string' },
            ...table.columns.map((column) => ({ name: column.name, type: kustoTypes[column.dataType] })),
            { name: ingestionIdColumn, type: 'string' },
        ],
    };
}

/** One mapping element per column, each read from the record's property of the same name. */
export function toJsonMapping(table: KustoTable): JsonMappingElement[] {
    return table.columns.map((column) => ({
        column: column.name,
        path: `$[${kustoStringInPath(column.name)}]`,
        datatype: column.type,
    }));
}

/**
 * The deduplicating view Power BI reads: one row per EventId. Backfill covers rows ingested before the view existed,
 * and needs `async` (the answer is an operation id to poll with `.show operations`).
 */
export function toDedupViewCommand(names: Pick<EventhouseNames, 'table' | 'view'>): string {
    const table = kustoName(names.table);
    return (
        `.create async ifnotexists materialized-view with (backfill=true) ${kustoName(names.view)} on table ${table} ` +
        `{ ${table} | summarize take_any(*) by ${eventIdColumn} }`
    );
}

/** A JSONPath bracket segment's quoted name: `'` and `\` escaped with a backslash. */
function kustoStringInPath(name: string): string {
    return `'${name.replace(/[\\']/g, (char) => `\\${char}`)}'`;
}
