/** What a KQL database holds of the relay's setup, as its management commands report it. */
export interface EventhouseSetupState {
    tables: ExistingTable[];
    views: ExistingView[];
    /** `forbidden` when the caller may not read them (`.show database principals` needs Database Admin). */
    principals: ExistingPrincipal[] | 'forbidden';
}

export interface ExistingTable {
    name: string;
    /** Types as `CslType` reports them (`long`, `string`, ...). */
    columns: { name: string; type: string }[];
    /** `forbidden` when the caller may not read them (Ingestor or Admin can). */
    mappings: ExistingMapping[] | 'forbidden';
}

export interface ExistingMapping {
    name: string;
    /** The mapping's JSON text as the service stores it. */
    text: string;
}

export interface ExistingView {
    name: string;
    sourceTable: string;
    query: string;
}

export interface ExistingPrincipal {
    /** `Admin`, `Ingestor`, `Viewer`, ... (the last word of `Database <db> <role>`). */
    role: string;
    /** e.g. `aadapp=<client id>;<tenant id>` */
    fqn: string;
}
