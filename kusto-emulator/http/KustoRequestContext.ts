import type { IncomingMessage } from 'node:http';
import type { KustoRequestLogEntry } from '../KustoRequestLogEntry';

export interface KustoRequestContext {
    activityId: string;
    clientRequestId?: string;
    method: string;
    url: URL;
    request: IncomingMessage;
    /** Set by handlers for the request log. */
    log: Partial<Omit<KustoRequestLogEntry, 'activityId' | 'time' | 'method' | 'path' | 'status'>>;
}

export interface KustoHandlerResult {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
}
