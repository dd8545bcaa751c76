import { randomUUID } from 'node:crypto';
import type { Caller } from '../auth/authorize';
import { powerBiErrors } from '../errors/powerBiErrors';
import type { DatasetRefreshRequest } from '../schemas/requestSchemas';
import type { StoredDataset, StoredRefresh } from '../state/StoredEntities';
import type { RefreshScript } from './RefreshScript';

const defaultTimeoutSeconds = 5 * 60 * 60;

/**
 * Applies the rules of the refresh API to a parsed body and builds the refresh record:
 * - enhanced only when a parameter other than notifyOption is present ([RD]);
 * - notifyOption must be left out of an enhanced request;
 * - service principals may only use NoNotification;
 * - objects must name existing tables and partitions;
 * - applyRefreshPolicy (true unless sent as false) is not supported with commitMode partialBatch ([ER]).
 */
export function toStoredRefresh(
    dataset: StoredDataset,
    body: DatasetRefreshRequest | undefined,
    caller: Caller,
    script: RefreshScript,
    acceptedAtMs: number,
    id: number,
): StoredRefresh {
    const request = body ?? {};
    const enhanced = Object.keys(request).some((key) => key !== 'notifyOption');
    if (enhanced && request.notifyOption !== undefined) {
        throw powerBiErrors.invalidRefreshRequest(
            'notifyOption is not allowed together with enhanced refresh parameters.',
        );
    }
    if (
        !enhanced &&
        caller.kind === 'app' &&
        request.notifyOption !== undefined &&
        request.notifyOption !== 'NoNotification'
    ) {
        throw powerBiErrors.invalidNotifyOptionForApp(request.notifyOption);
    }
    const commitMode = request.commitMode ?? 'Transactional';
    if (commitMode === 'PartialBatch' && request.applyRefreshPolicy !== false) {
        throw powerBiErrors.invalidRefreshRequest(
            "applyRefreshPolicy must be false when commitMode is 'partialBatch'.",
        );
    }
    for (const object of request.objects ?? []) {
        const table = dataset.tables.find((candidate) => candidate.name === object.table);
        if (!table) throw powerBiErrors.invalidRefreshRequest(`Table '${object.table}' does not exist in the model.`);
        if (object.partition !== undefined && !table.partitions.includes(object.partition)) {
            throw powerBiErrors.invalidRefreshRequest(
                `Partition '${object.partition}' does not exist in table '${object.table}'.`,
            );
        }
    }
    const timeoutSeconds =
        request.timeout === undefined
            ? defaultTimeoutSeconds
            : request.timeout.split(':').reduce((total, part) => total * 60 + Number(part), 0);
    return {
        requestId: randomUUID(),
        id,
        kind: enhanced ? 'enhanced' : 'standard',
        refreshType: enhanced ? 'ViaEnhancedApi' : 'ViaApi',
        acceptedAtMs,
        type: request.type ?? 'Automatic',
        commitMode,
        maxParallelism: request.maxParallelism ?? 10,
        retryCount: request.retryCount ?? 0,
        objects: (request.objects ?? []).map((object) => ({ ...object })),
        applyRefreshPolicy: request.applyRefreshPolicy ?? true,
        ...(request.effectiveDate !== undefined ? { effectiveDate: request.effectiveDate } : {}),
        timeoutSeconds,
        script,
        requestedBy: caller.principalId,
    };
}
