export interface RouteParams {
    groupId?: string;
    datasetId?: string;
    tableName?: string;
    refreshId?: string;
    /** Groups - Delete User In Group: an e-mail address or an object id. */
    user?: string;
}
