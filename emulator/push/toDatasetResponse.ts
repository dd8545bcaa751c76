import type { StoredDataset } from '../state/StoredEntities';

/** A Dataset as GET datasets returns it: camelCase fields, like the spec's examples and real responses. */
export function toDatasetResponse(dataset: StoredDataset, baseUrl: string) {
    const isPush = dataset.kind === 'push';
    return {
        id: dataset.id,
        name: dataset.name,
        webUrl: `${baseUrl}/groups/${dataset.workspaceId}/datasets/${dataset.id}`,
        addRowsAPIEnabled: isPush,
        configuredBy: dataset.configuredBy,
        isRefreshable: !isPush,
        isEffectiveIdentityRequired: false,
        isEffectiveIdentityRolesRequired: false,
        isOnPremGatewayRequired: false,
        targetStorageMode: isPush ? 'PremiumFiles' : 'Abf',
        createdDate: dataset.createdDate,
        createReportEmbedURL: `${baseUrl}/reportEmbed?config=emulator&datasetId=${dataset.id}`,
        qnaEmbedURL: `${baseUrl}/qnaEmbed?config=emulator&datasetId=${dataset.id}`,
    };
}
