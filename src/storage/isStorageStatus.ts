/** Whether a Storage SDK call failed with one of these HTTP statuses (404 not found, 409 exists, 412 ETag moved...). */
export const isStorageStatus = (error: unknown, ...statuses: number[]): boolean => {
    const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
    return typeof status === 'number' && statuses.includes(status);
};
