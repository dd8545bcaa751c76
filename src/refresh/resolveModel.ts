import type { RefreshTarget } from '../config/refreshTargetSchema';
import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import type { ModelRef } from '../powerbi/refreshApi';
import type { RefreshDeps } from './refreshDeps';

export type ResolvedModel = { ok: true; model: ModelRef } | { ok: false; workspaceId: string; failure: PowerBiFailure };

/** The workspace and dataset id of a target; a target named by dataset name is looked up in its workspace. */
export async function resolveModel(
    target: RefreshTarget,
    deps: Pick<RefreshDeps, 'api' | 'defaultWorkspaceId'>,
): Promise<ResolvedModel> {
    const workspaceId = target.workspaceId ?? deps.defaultWorkspaceId;
    if (target.datasetId !== undefined) return { ok: true, model: { workspaceId, datasetId: target.datasetId } };
    const datasets = await deps.api.getDatasets(workspaceId);
    if (!datasets.ok) return { ok: false, workspaceId, failure: datasets.failure };
    const matches = datasets.value.filter((dataset) => dataset.name === target.datasetName);
    if (matches.length !== 1) {
        const message =
            matches.length === 0
                ? `No dataset named "${target.datasetName}" in workspace ${workspaceId}`
                : `${matches.length} datasets are named "${target.datasetName}" in workspace ${workspaceId}; set datasetId`;
        return {
            ok: false,
            workspaceId,
            failure: { kind: 'permanent', status: 404, code: 'DatasetNotFound', message },
        };
    }
    return { ok: true, model: { workspaceId, datasetId: matches[0]!.id } };
}
