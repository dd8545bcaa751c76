import { z } from 'zod';
import { caseInsensitiveEnum } from './caseInsensitiveEnum';

/*
 * Request bodies, written from the definitions in Microsoft's OpenAPI spec
 * (microsoft/PowerBI-CSharp sdk/swaggers/swagger.json @ 4ad33dd). Objects are strict: the service
 * rejects unknown properties with 400 BadRequest (sql-bi/Pbi-PushDataset#1), so the emulator does too.
 * Each strict object names the service-side type, which the unknown-property message quotes.
 */

/** Table.name / Relationship.*Table pattern from the spec, with the astral range made valid for JS. */
export const tableNamePattern = /^[\t\n\r #\-0-9@-Z^_a-z~-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]{1,100}$/u;
/** Column.name / Measure.name pattern from the spec. */
export const columnNamePattern = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u;

/** Marks a strict object with the service type name used in unknown-property messages. */
export function serviceType<T extends z.ZodRawShape>(typeName: string, shape: T) {
    return z.strictObject(shape, {
        error: (issue) =>
            issue.code === 'unrecognized_keys'
                ? `The property '${issue.keys[0] ?? ''}' does not exist on type 'Microsoft.PowerBI.ServiceContracts.Api.${typeName}'. Make sure to only use property names that are defined by the type.`
                : undefined,
    });
}

const tableName = z.string().regex(tableNamePattern, {
    message:
        'The name must be 1-100 characters and must not contain any of . , ; \' ` : / \\ * | ? " & % $ ! + = ( ) [ ] { } < >',
});
const columnName = z
    .string()
    .regex(columnNamePattern, { message: 'The name must not be empty or contain control characters' });

export const columnSchema = serviceType('Column', {
    name: columnName,
    dataType: z.string(),
    formatString: z.string().optional(),
    sortByColumn: z.string().optional(),
    dataCategory: z.string().optional(),
    isHidden: z.boolean().optional(),
    summarizeBy: z.string().optional(),
});

export const measureSchema = serviceType('Measure', {
    name: columnName,
    expression: z.string(),
    formatString: z.string().optional(),
    description: z.string().optional(),
    isHidden: z.boolean().optional(),
});

export const rowSchema = z.record(z.string(), z.unknown());

export const tableSchema = serviceType('Table', {
    name: tableName,
    columns: z.array(columnSchema),
    rows: z.array(rowSchema).optional(),
    measures: z.array(measureSchema).optional(),
    isHidden: z.boolean().optional(),
    description: z.string().optional(),
    source: z.array(z.unknown()).optional(),
});

export const relationshipSchema = serviceType('Relationship', {
    name: tableName,
    crossFilteringBehavior: z.enum(['OneDirection', 'BothDirections', 'Automatic']).optional(),
    fromTable: tableName,
    fromColumn: columnName,
    toTable: tableName,
    toColumn: columnName,
});

export const datasourceSchema = serviceType('Datasource', {
    name: z.string().optional(),
    connectionString: z.string().optional(),
    datasourceType: z.string().optional(),
    connectionDetails: z.record(z.string(), z.unknown()).optional(),
    gatewayId: z.string().optional(),
    datasourceId: z.string().optional(),
});

export const createDatasetRequestSchema = serviceType('Dataset', {
    name: z.string().min(1),
    tables: z.array(tableSchema),
    relationships: z.array(relationshipSchema).optional(),
    datasources: z.array(datasourceSchema).optional(),
    defaultMode: z.enum(['AsAzure', 'AsOnPrem', 'Push', 'Streaming', 'PushStreaming']).optional(),
});
export type CreateDatasetRequest = z.infer<typeof createDatasetRequestSchema>;
export type TableDefinition = z.infer<typeof tableSchema>;
export type ColumnDefinition = z.infer<typeof columnSchema>;

/** PostRowsRequest: `rows` is an array of objects (the spec does not mark it required; the emulator does). */
export const postRowsRequestSchema = serviceType('PostRowsRequest', {
    rows: z.array(rowSchema),
});

/** DatasetExecuteQueriesRequest (with DatasetExecuteQueriesQuery and DatasetExecuteQueriesSerializationSettings). */
export const executeQueriesRequestSchema = serviceType('DatasetExecuteQueriesRequest', {
    queries: z.array(serviceType('DatasetExecuteQueriesQuery', { query: z.string() })),
    serializerSettings: serviceType('DatasetExecuteQueriesSerializationSettings', {
        includeNulls: z.boolean().optional(),
    }).optional(),
    impersonatedUserName: z.string().optional(),
});

export const refreshTypes = ['Full', 'ClearValues', 'Calculate', 'DataOnly', 'Automatic', 'Defragment'] as const;
export const commitModes = ['Transactional', 'PartialBatch'] as const;
export const notifyOptions = ['NoNotification', 'MailOnFailure', 'MailOnCompletion'] as const;

/** `timeout` is documented on the enhanced refresh page but missing from the spec. */
export const refreshTimeoutPattern = /^([0-1]?[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$/;

export const datasetRefreshObjectSchema = serviceType('DatasetRefreshObjects', {
    table: z.string(),
    partition: z.string().optional(),
});

/**
 * DatasetRefreshRequest. Enum values are accepted case-insensitively because Microsoft's own docs mix
 * "Full" and "transactional". `applyRefreshPolicy` also accepts "true"/"false" strings, as the spec's
 * own example sends `"applyRefreshPolicy": "false"`.
 */
export const datasetRefreshRequestSchema = serviceType('DatasetRefreshRequest', {
    notifyOption: caseInsensitiveEnum(notifyOptions).optional(),
    type: caseInsensitiveEnum(refreshTypes).optional(),
    commitMode: caseInsensitiveEnum(commitModes).optional(),
    maxParallelism: z.number().int().min(1).optional(),
    retryCount: z.number().int().min(0).optional(),
    objects: z.array(datasetRefreshObjectSchema).optional(),
    applyRefreshPolicy: z
        .union([z.boolean(), z.enum(['true', 'false', 'True', 'False']).transform((v) => v.toLowerCase() === 'true')])
        .optional(),
    effectiveDate: z
        .string()
        .refine((value) => !Number.isNaN(Date.parse(value)), { message: 'effectiveDate must be a date-time' })
        .optional(),
    timeout: z.string().regex(refreshTimeoutPattern, { message: 'timeout must match hh:mm:ss' }).optional(),
});
export type DatasetRefreshRequest = z.infer<typeof datasetRefreshRequestSchema>;
