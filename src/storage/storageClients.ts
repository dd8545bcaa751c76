import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { Settings } from '../config/settings';

export interface StorageClients {
    queueService: QueueServiceClient;
    blobService: BlobServiceClient;
    tableClient(tableName: string): TableClient;
}

/**
 * The relay's own Storage clients use the same connection as the Functions host (AzureWebJobsStorage):
 * a connection string locally, identity-based service URIs with the user-assigned identity in Azure.
 */
export function createStorageClients(settings: Settings): StorageClients {
    const connectionString = settings.AzureWebJobsStorage;
    if (connectionString !== undefined) {
        // @azure/data-tables only allows plain http for UseDevelopmentStorage=true; Azurite on other ports needs this.
        const allowInsecureConnection = /(^|;)\s*(\w+Endpoint\s*=\s*http:|UseDevelopmentStorage=true)/i.test(
            connectionString,
        );
        return {
            queueService: QueueServiceClient.fromConnectionString(connectionString),
            blobService: BlobServiceClient.fromConnectionString(connectionString),
            tableClient: (tableName) =>
                TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection }),
        };
    }
    const clientId = settings.AzureWebJobsStorage__clientId;
    const credential: TokenCredential = clientId
        ? new ManagedIdentityCredential({ clientId })
        : new DefaultAzureCredential();
    const blobUri = settings.AzureWebJobsStorage__blobServiceUri;
    const queueUri = settings.AzureWebJobsStorage__queueServiceUri;
    const tableUri = settings.AzureWebJobsStorage__tableServiceUri;
    if (!blobUri || !queueUri || !tableUri) {
        throw new Error(
            'AzureWebJobsStorage__blobServiceUri, __queueServiceUri and __tableServiceUri are required without a connection string',
        );
    }
    return {
        queueService: new QueueServiceClient(queueUri, credential),
        blobService: new BlobServiceClient(blobUri, credential),
        tableClient: (tableName) => new TableClient(tableUri, tableName, credential),
    };
}
