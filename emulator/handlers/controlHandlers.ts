import type { EmulatorControl } from '../control/EmulatorControl';
import { powerBiErrors } from '../errors/powerBiErrors';
import { readBody } from '../http/readBody';
import type { HandlerResult, RequestContext } from '../http/RequestContext';

const maxControlBodyBytes = 256 * 1024 * 1024;

async function json(context: RequestContext): Promise<unknown> {
    const raw = (await readBody(context.request, maxControlBodyBytes)).toString('utf8');
    if (raw.trim() === '') return {};
    try {
        return JSON.parse(raw);
    } catch (error) {
        throw powerBiErrors.controlBadRequest(`Invalid JSON: ${(error as Error).message}`);
    }
}

/** Routes /_emulator/* (no auth, no faults, not in the request log). */
export async function handleControl(control: EmulatorControl, context: RequestContext): Promise<HandlerResult> {
    const segments = context.url.pathname
        .split('/')
        .filter((segment) => segment !== '')
        .slice(1)
        .map(decodeURIComponent);
    const route = `${context.method} /${segments.map((segment, index) => (index === 1 && segments[0] === 'models' ? ':id' : segment)).join('/')}`;
    const modelId = segments[0] === 'models' ? (segments[1] ?? '') : '';
    switch (route) {
        case 'POST /reset':
            control.reset();
            return { status: 200, body: {} };
        case 'GET /workspaces':
            return { status: 200, body: { value: control.workspaces() } };
        case 'POST /workspaces':
            return { status: 201, body: control.createWorkspace((await json(context)) as never) };
        case 'POST /models':
            return { status: 201, body: control.createModel((await json(context)) as never) };
        case 'PUT /models/:id/refresh-script':
            control.setRefreshScript(modelId, (await json(context)) as never);
            return { status: 200, body: {} };
        case 'POST /models/:id/next-refresh-scripts':
            return { status: 200, body: control.queueRefreshScript(modelId, (await json(context)) as never) };
        case 'POST /push-datasets':
            return { status: 201, body: control.createPushDataset((await json(context)) as never) };
        case 'GET /datasets':
            return {
                status: 200,
                body: {
                    value: control.datasets({ includeRows: context.url.searchParams.get('includeRows') !== 'false' }),
                },
            };
        case 'GET /requests':
            return { status: 200, body: { value: control.requests() } };
        case 'DELETE /requests':
            control.clearRequests();
            return { status: 200, body: {} };
        case 'GET /faults':
            return { status: 200, body: { value: control.faults() } };
        case 'POST /faults':
            return { status: 201, body: control.injectFault((await json(context)) as never) };
        case 'DELETE /faults':
            control.clearFaults();
            return { status: 200, body: {} };
        case 'GET /clock':
            return { status: 200, body: control.clockState() };
        case 'POST /clock':
            return { status: 200, body: control.updateClock((await json(context)) as never) };
        case 'POST /tokens':
            return { status: 200, body: control.issueToken((await json(context)) as never) };
        case 'GET /limits':
            return { status: 200, body: control.limits() };
        case 'PATCH /limits':
            return { status: 200, body: control.updateLimits((await json(context)) as never) };
        case 'POST /seed':
            return { status: 201, body: control.applySeed((await json(context)) as never) };
        default:
            throw powerBiErrors.controlNotFound(`No control operation ${context.method} ${context.url.pathname}`);
    }
}
