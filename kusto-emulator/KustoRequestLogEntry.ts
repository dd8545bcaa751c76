/** One call as recorded in GET /_emulator/requests (control calls are not recorded). */
export interface KustoRequestLogEntry {
    /** x-ms-activity-id of the answer. */
    activityId: string;
    /** x-ms-client-request-id as sent, if any. */
    clientRequestId?: string;
    /** Time the call arrived (the emulator's "now"), ISO 8601. */
    time: string;
    method: string;
    path: string;
    operation?: string;
    database?: string;
    table?: string;
    /** The management command or query text. */
    csl?: string;
    /** Records ingested (or offered, when refused). */
    records?: number;
    /** `aadapp=<id>;<tenant>` of the caller. */
    principal?: string;
    /** HTTP status; 0 when no answer was sent (hang, reset). */
    status: number;
    fault?: string;
}
