import { z } from 'zod';

/** Response bodies, written from the OpenAPI definitions (Dataset, Datasets, Table, Tables); unknown fields are kept. */
export const datasetSchema = z.looseObject({
    id: z.string(),
    name: z.string(),
    addRowsAPIEnabled: z.boolean().optional(),
    isRefreshable: z.boolean().optional(),
});
export const datasetsSchema = z.looseObject({ value: z.array(datasetSchema) });

export const createdDatasetSchema = z.looseObject({
    id: z.string(),
    name: z.string(),
    defaultRetentionPolicy: z.string().optional(),
});

export const tableSchema = z.looseObject({
    name: z.string(),
    columns: z.array(z.looseObject({ name: z.string(), dataType: z.string() })).optional(),
});
export const tablesSchema = z.looseObject({ value: z.array(tableSchema) });

export type Dataset = z.infer<typeof datasetSchema>;
export type PowerBiTable = z.infer<typeof tableSchema>;

/** Request bodies the relay sends (CreateDatasetRequest, Table, PostRowsRequest). */
export interface TableDefinition {
    name: string;
    columns: { name: string; dataType: string }[];
}
export interface CreateDatasetRequest {
    name: string;
    defaultMode: 'Push';
    tables: TableDefinition[];
}
