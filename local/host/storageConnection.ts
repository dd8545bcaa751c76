import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';

const defaultConnection = 'AzureWebJobsStorage';

type StorageService = 'queue' | 'blob';

/**
 * Resolves a binding's `connection` as the Storage extension does: the app setting `<connection>` (or
 * `AzureWebJobs<connection>`) holding a connection string (`UseDevelopmentStorage=true` included), or an
 * identity-based connection from `<connection>__<service>ServiceUri` / `__serviceUri` / `__accountName` with
 * `__credential` and `__clientId`.
 */
async function resolveConnection(
    connection: string | undefined,
    settings: Readonly<Record<string, string | undefined>>,
    service: StorageService,
): Promise<{ connectionString: string } | { serviceUri: string; credential: TokenCredential }> {
    const name = connection || defaultConnection;
    const connectionString = settings[name] ?? settings[`AzureWebJobs${name}`];
    if (connectionString) {
        return { connectionString };
    }
    const accountName = settings[`${name}__accountName`];
    const serviceUri =
        settings[`${name}__${service}ServiceUri`] ??
        settings[`${name}__serviceUri`] ??
        (accountName ? `https://${accountName}.${service}.core.windows.net` : undefined);
    if (!serviceUri) {
        throw new Error(
            `Storage connection "${name}" is not configured: set app setting "${name}" to a connection string ` +
                `(e.g. UseDevelopmentStorage=true) or "${name}__${service}ServiceUri" for an identity-based connection.`,
        );
    }
    // Loaded lazily: most local runs use connection strings and never pay for @azure/identity.
    const identity = await import('@azure/identity');
    const clientId = settings[`${name}__clientId`];
    const credential =
        settings[`${name}__credential`]?.toLowerCase() === 'managedidentity'
            ? new identity.ManagedIdentityCredential(clientId ? { clientId } : {})
            : new identity.DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
    return { serviceUri, credential };
}

/** A queue service client for a binding's `connection`. */
export async function createQueueServiceClient(
    connection: string | undefined,
    settings: Readonly<Record<string, string | undefined>>,
): Promise<QueueServiceClient> {
    const resolved = await resolveConnection(connection, settings, 'queue');
    return 'connectionString' in resolved
        ? QueueServiceClient.fromConnectionString(resolved.connectionString)
        : new QueueServiceClient(resolved.serviceUri, resolved.credential);
}

/** A blob service client for a `connection` (the host's own storage, AzureWebJobsStorage, by default). */
export async function createBlobServiceClient(
    connection: string | undefined,
    settings: Readonly<Record<string, string | undefined>>,
): Promise<BlobServiceClient> {
    const resolved = await resolveConnection(connection, settings, 'blob');
    return 'connectionString' in resolved
        ? BlobServiceClient.fromConnectionString(resolved.connectionString)
        : new BlobServiceClient(resolved.serviceUri, resolved.credential);
}
