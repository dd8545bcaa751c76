export interface RouteParams {
    groupId?: string;
    datasetId?: string;
    tableName?: string;
    refreshId?: string;
}
