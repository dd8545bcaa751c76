import type { RefreshTarget } from '../config/refreshTargetSchema';
import type { Dataset } from '../powerbi/schemas';
import type { DoctorCheck } from './DoctorCheck';
import type { WorkspaceListing } from '../powerbi/schemas';

const describeDatasets = (datasets: readonly Dataset[]) =>
    datasets.length === 0
        ? 'the workspace has no datasets'
        : `the workspace has: ${datasets
              .slice(0, 10)
              .map((dataset) => `"${dataset.name}" (${dataset.id})`)
              .join(', ')}${datasets.length > 10 ? ', …' : ''}`;

/**
 * A refresh target must name exactly one dataset in its workspace that Power BI can refresh, in a
 * workspace on a capacity that supports enhanced refresh (Premium, PPU, Fabric or Embedded).
 */
export function checkRefreshTarget(
    target: RefreshTarget,
    workspaceId: string,
    datasets: readonly Dataset[],
    workspace: WorkspaceListing | undefined,
): DoctorCheck {
    const name = `Refresh target "${target.name}"`;
    const wanted = target.datasetId ?? target.datasetName ?? '';
    const matches =
        target.datasetId !== undefined
            ? datasets.filter((dataset) => dataset.id.toLowerCase() === target.datasetId!.toLowerCase())
            : datasets.filter((dataset) => dataset.name === target.datasetName);
    const where = `target.${target.datasetId !== undefined ? 'datasetId' : 'datasetName'} "${wanted}"`;
    if (matches.length === 0) {
        return {
            name,
            ok: false,
            detail: `no dataset ${target.datasetId !== undefined ? 'with id' : 'named'} "${wanted}" in workspace ${workspaceId}; ${describeDatasets(datasets)}`,
            fix: [
                `Correct ${where} in pbi-relay.config.json: a dataset id is the GUID after /datasets/ in the dataset's URL`,
                '(https://app.powerbi.com/groups/<workspace id>/datasets/<dataset id>/details); set workspaceId on the target',
                'when the model lives in another workspace.',
            ].join('\n'),
        };
    }
    if (matches.length > 1) {
        return {
            name,
            ok: false,
            detail: `${matches.length} datasets are named "${wanted}" in workspace ${workspaceId}: ${matches.map((dataset) => dataset.id).join(', ')}`,
            fix: `Set datasetId instead of datasetName on refresh target "${target.name}".`,
        };
    }
    const dataset = matches[0]!;
    if (dataset.isRefreshable !== true) {
        const why =
            dataset.addRowsAPIEnabled === true
                ? 'it is a push dataset, which has no data source to refresh'
                : 'Power BI reports isRefreshable: false (for example a live connection or DirectQuery model)';
        return {
            name,
            ok: false,
            detail: `dataset "${dataset.name}" (${dataset.id}) cannot be refreshed: ${why}`,
            fix: `Point refresh target "${target.name}" at an import model.`,
        };
    }
    if (workspace?.isOnDedicatedCapacity === false) {
        return {
            name,
            ok: false,
            detail: `dataset "${dataset.name}" (${dataset.id}) is refreshable, but workspace ${workspaceId} is not on a dedicated capacity (isOnDedicatedCapacity: false)`,
            fix: 'Enhanced refresh needs a Premium, Premium Per User, Fabric or Embedded capacity: assign the workspace to one (workspace settings > License info).',
        };
    }
    return { name, ok: true, detail: `dataset "${dataset.name}" (${dataset.id}) is refreshable` };
}
