import type { HttpHandler } from '@azure/functions';
import { toRetryLaterAnswer } from '../ingest/toResponseBody';
import { isStorageUnavailable } from '../storage/isStorageUnavailable';

/**
 * The operator routes read and write Table storage on every call: when Storage is down they answer 503 with
 * Retry-After, like the ingest routes, and log the Storage error (which names the storage host) instead of answering it.
 */
export function answerStorageOutages(handler: HttpHandler): HttpHandler {
    return async (request, context) => {
        try {
            return await handler(request, context);
        } catch (error) {
            if (!isStorageUnavailable(error)) throw error;
            context.error('pbi-relay storage unavailable', { message: (error as Error).message });
            return toRetryLaterAnswer(503, 'StorageUnavailable', 'Storage is unavailable; retry later');
        }
    };
}
