import { clrTypeNames, type KustoType, type StoredValue } from '../state/kustoTypes';

/** One table of an answer: columns with Kusto types and rows of values in column order. */
export interface ResultTable {
    columns: { name: string; type: KustoType | 'timespan' }[];
    rows: (StoredValue | undefined)[][];
}

const v1Type = (type: KustoType | 'timespan') => (type === 'timespan' ? 'TimeSpan' : clrTypeNames[type].v1);

/** v1 body: `{"Tables":[{"TableName":"Table_n","Columns":[{ColumnName,DataType,ColumnType}],"Rows":[...]}]}`. */
export function toV1Body(tables: ResultTable[]): { Tables: unknown[] } {
    return {
        Tables: tables.map((table, index) => ({
            TableName: `Table_${index}`,
            Columns: table.columns.map((column) => ({
                ColumnName: column.name,
                DataType: v1Type(column.type),
                ColumnType: column.type,
            })),
            Rows: table.rows.map((row) => row.map((value) => value ?? null)),
        })),
    };
}

/**
 * v1 query body: the primary result as Table_0, then @ExtendedProperties, QueryStatus and the TableOfContents that
 * names each table's kind, as the v1 query endpoint answers (management commands answer Table_0 alone).
 */
export function toV1QueryBody(primary: ResultTable, activityId: string): { Tables: unknown[] } {
    const extended: ResultTable = {
        columns: [{ name: 'Value', type: 'string' }],
        rows: [[JSON.stringify({ Visualization: null, Title: null })]],
    };
    const status: ResultTable = {
        columns: [
            { name: 'Timestamp', type: 'datetime' },
            { name: 'Severity', type: 'int' },
            { name: 'SeverityName', type: 'string' },
            { name: 'StatusCode', type: 'int' },
            { name: 'StatusDescription', type: 'string' },
            { name: 'Count', type: 'int' },
            { name: 'RequestId', type: 'guid' },
            { name: 'ActivityId', type: 'guid' },
            { name: 'SubActivityId', type: 'guid' },
            { name: 'ClientActivityId', type: 'string' },
        ],
        rows: [
            [
                new Date().toISOString(),
                4,
                'Info',
                0,
                'Query completed successfully',
                1,
                activityId,
                activityId,
                activityId,
                '',
            ],
        ],
    };
    const contents: ResultTable = {
        columns: [
            { name: 'Ordinal', type: 'long' },
            { name: 'Kind', type: 'string' },
            { name: 'Name', type: 'string' },
            { name: 'Id', type: 'string' },
            { name: 'PrettyName', type: 'string' },
        ],
        rows: [
            [0, 'QueryResult', 'PrimaryResult', activityId, ''],
            [1, 'QueryProperties', '@ExtendedProperties', activityId, ''],
            [2, 'QueryStatus', 'QueryStatus', activityId, ''],
        ],
    };
    return toV1Body([primary, extended, status, contents]);
}

/**
 * v2 query body: frames `DataSetHeader`, `DataTable` (QueryProperties, then the PrimaryResult), and
 * `DataSetCompletion{HasErrors,Cancelled}`.
 */
export function toV2Frames(primary: ResultTable): unknown[] {
    const columns = (table: ResultTable) =>
        table.columns.map((column) => ({ ColumnName: column.name, ColumnType: column.type }));
    return [
        {
            FrameType: 'DataSetHeader',
            IsProgressive: false,
            Version: 'v2.0',
            IsFragmented: false,
            ErrorReportingPlacement: 'EndOfTable',
        },
        {
            FrameType: 'DataTable',
            TableId: 0,
            TableKind: 'QueryProperties',
            TableName: '@ExtendedProperties',
            Columns: [
                { ColumnName: 'TableId', ColumnType: 'int' },
                { ColumnName: 'Key', ColumnType: 'string' },
                { ColumnName: 'Value', ColumnType: 'dynamic' },
            ],
            Rows: [[1, 'Visualization', { Visualization: null }]],
        },
        {
            FrameType: 'DataTable',
            TableId: 1,
            TableKind: 'PrimaryResult',
            TableName: 'PrimaryResult',
            Columns: columns(primary),
            Rows: primary.rows.map((row) => row.map((value) => value ?? null)),
        },
        { FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false },
    ];
}
