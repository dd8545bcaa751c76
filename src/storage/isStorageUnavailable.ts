/**
 * Whether a Storage SDK call failed because Storage could not be reached or answered a server error: a RestError
 * without a status (the request was never answered) or with 408, 500 or 503. Those are worth a retry by the caller.
 */
export function isStorageUnavailable(error: unknown): boolean {
    if (!(error instanceof Error) || error.name !== 'RestError') return false;
    const status = (error as { statusCode?: number }).statusCode;
    return status === undefined || status === 408 || status >= 500;
}
