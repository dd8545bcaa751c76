import type { IncomingMessage } from 'node:http';

export interface RequestContext {
    requestId: string;
    method: string;
    url: URL;
    request: IncomingMessage;
    /** Set by handlers for the request log. */
    log: { operation?: string; rows?: number; principalId?: string; datasetId?: string; fault?: string };
}

export interface HandlerResult {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
}
