/** One REST (or managed identity) call as recorded in GET /_emulator/requests. */
export interface RequestLogEntry {
    requestId: string;
    /** Emulated time the call arrived (ISO 8601). */
    time: string;
    method: string;
    path: string;
    operation?: string;
    status: number;
    /** Rows in a POST rows call. */
    rows?: number;
    principalId?: string;
    datasetId?: string;
    /** The injected fault kind, if one answered the call. */
    fault?: string;
}
