/** Whether a Storage SDK call failed with this HTTP status (404 not found, 409 exists, 412 ETag moved...). */
export const isStorageStatus = (error: unknown, status: number): boolean =>
    (error as { statusCode?: unknown } | undefined)?.statusCode === status;
