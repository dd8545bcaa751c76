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

/** Groups - Get Groups (definitions Groups, Group): the workspaces the caller has a role in. */
export const groupsSchema = z.looseObject({
    value: z.array(
        z.looseObject({
            id: z.string(),
            name: z.string().optional(),
            isOnDedicatedCapacity: z.boolean().optional(),
        }),
    ),
});

/** Groups - Get Group Users (definitions GroupUsers, GroupUser). */
export const groupUsersSchema = z.looseObject({
    value: z.array(
        z.looseObject({
            identifier: z.string().optional(),
            graphId: z.string().optional(),
            emailAddress: z.string().optional(),
            displayName: z.string().optional(),
            principalType: z.string().optional(),
            groupUserAccessRight: z.string(),
        }),
    ),
});

/** DatasetExecuteQueriesResponse: one result per query, one table per result, its rows keyed by column. */
export const executeQueriesResponseSchema = z.looseObject({
    results: z
        .array(
            z.looseObject({
                tables: z.array(z.looseObject({ rows: z.array(z.record(z.string(), z.unknown())) })).min(1),
            }),
        )
        .min(1),
});

export type Dataset = z.infer<typeof datasetSchema>;
export type WorkspaceListing = z.infer<typeof groupsSchema>['value'][number];
export type WorkspaceUser = z.infer<typeof groupUsersSchema>['value'][number];
export type PowerBiTable = z.infer<typeof tableSchema>;

/** Request bodies the relay and its scripts send (CreateDatasetRequest, Table, PostRowsRequest, GroupUser). */
export interface GroupUserDetails {
    identifier: string;
    principalType: 'App';
    groupUserAccessRight: string;
}
export interface TableDefinition {
    name: string;
    columns: { name: string; dataType: string }[];
}
export interface CreateDatasetRequest {
    name: string;
    defaultMode: 'Push';
    tables: TableDefinition[];
}
