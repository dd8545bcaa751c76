import { QueueServiceClient } from '@azure/storage-queue';

const defaultConnection = 'AzureWebJobsStorage';

/**
 * Builds a queue service client for a binding's `connection`, resolved as the Storage extension does:
 * the app setting `<connection>` (or `AzureWebJobs<connection>`) holding a connection string
 * (`UseDevelopmentStorage=true` included), or an identity-based connection from
 * `<connection>__queueServiceUri` / `__serviceUri` / `__accountName` with `__credential` and `__clientId`.
 */
export async function createQueueServiceClient(
    connection: string | undefined,
    settings: Readonly<Record<string, string | undefined>>,
): Promise<QueueServiceClient> {
    const name = connection || defaultConnection;
    const connectionString = settings[name] ?? settings[`AzureWebJobs${name}`];
    if (connectionString) {
        return QueueServiceClient.fromConnectionString(connectionString);
    }
    const accountName = settings[`${name}__accountName`];
    const serviceUri =
        settings[`${name}__queueServiceUri`] ??
        settings[`${name}__serviceUri`] ??
        (accountName ? `https://${accountName}.queue.core.windows.net` : undefined);
    if (!serviceUri) {
        throw new Error(
            `Storage connection "${name}" is not configured: set app setting "${name}" to a connection string ` +
                `(e.g. UseDevelopmentStorage=true) or "${name}__queueServiceUri" for an identity-based connection.`,
        );
    }
    // Loaded lazily: most local runs use connection strings and never pay for @azure/identity.
    const identity = await import('@azure/identity');
    const clientId = settings[`${name}__clientId`];
    const credential =
        settings[`${name}__credential`]?.toLowerCase() === 'managedidentity'
            ? new identity.ManagedIdentityCredential(clientId ? { clientId } : {})
            : new identity.DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
    return new QueueServiceClient(serviceUri, credential);
}
