import { accessWorkspace, authenticate, requireWriteRole } from '../auth/authorize';
import type { EmulatorRuntime } from '../EmulatorRuntime';
import { powerBiErrors } from '../errors/powerBiErrors';
import { parseJsonBody } from '../http/parseJsonBody';
import { readBody } from '../http/readBody';
import type { HandlerResult, RequestContext } from '../http/RequestContext';
import type { RouteParams } from '../http/RouteParams';
import { evaluateDax } from '../query/evaluateDax';
import { executeQueriesRequestSchema } from '../schemas/requestSchemas';

/**
 * POST .../datasets/{datasetId}/executeQueries (Datasets - Execute Queries In Group): one DAX query per call,
 * on a push dataset, from a caller with Build permission (the emulator grants it with a writing role, as a
 * workspace Contributor, Member or Admin has it), within the per-user queries-a-minute budget.
 */
export async function executeQueries(
    runtime: EmulatorRuntime,
    context: RequestContext,
    params: RouteParams,
): Promise<HandlerResult> {
    const caller = authenticate(runtime, context);
    const workspace = accessWorkspace(runtime, caller, params.groupId);
    requireWriteRole(workspace);
    const dataset = runtime.store.dataset(workspace.workspace.id, params.datasetId ?? '');
    if (!dataset) throw powerBiErrors.datasetNotFound(params.datasetId ?? '');
    const raw = await readBody(context.request, runtime.limits.maxRequestBytes);
    const { queries, serializerSettings } = parseJsonBody(
        context.request,
        raw,
        executeQueriesRequestSchema,
        'request',
    )!;
    if (queries.length !== 1) throw powerBiErrors.daxQueryCount(queries.length);
    if (dataset.kind !== 'push') {
        throw powerBiErrors.daxQueryFailed('The emulator evaluates DAX on push datasets only.');
    }
    const retryAfter = runtime.queryThrottle.take(caller.principalId, runtime.clock.nowMs());
    if (retryAfter !== undefined) throw powerBiErrors.tooManyQueries(runtime.clock.retryAfterSeconds(retryAfter));
    const rows = evaluateDax(dataset, queries[0]!.query, serializerSettings?.includeNulls === true);
    return { status: 200, body: { results: [{ tables: [{ rows }] }] } };
}
