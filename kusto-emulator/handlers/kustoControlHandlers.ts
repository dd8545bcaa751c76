import type { KustoControl } from '../control/KustoControl';
import { kustoErrors } from '../errors/kustoErrors';
import type { KustoHandlerResult, KustoRequestContext } from '../http/KustoRequestContext';
import { readKustoBody } from '../http/readKustoBody';

const maxControlBodyBytes = 64 * 1024 * 1024;

async function json(context: KustoRequestContext): Promise<unknown> {
    const raw = (await readKustoBody(context.request, maxControlBodyBytes)).toString('utf8');
    if (raw.trim() === '') return {};
    try {
        return JSON.parse(raw);
    } catch (error) {
        throw kustoErrors.controlBadRequest(`Invalid JSON: ${(error as Error).message}`);
    }
}

/** Routes /_emulator/* (no auth, no faults, not in the request log). */
export async function handleKustoControl(
    control: KustoControl,
    context: KustoRequestContext,
): Promise<KustoHandlerResult> {
    const route = `${context.method} ${context.url.pathname.replace(/^\/_emulator/, '').replace(/\/$/, '')}`;
    const query = context.url.searchParams;
    switch (route) {
        case 'POST /reset':
            control.reset();
            return { status: 200, body: {} };
        case 'GET /databases':
            return { status: 200, body: { value: control.databases() } };
        case 'POST /databases':
            return { status: 201, body: control.createDatabase((await json(context)) as never) };
        case 'GET /tables':
            return {
                status: 200,
                body: {
                    value: control.tables({
                        ...(query.get('db') ? { database: query.get('db') ?? '' } : {}),
                        ...(query.get('table') ? { table: query.get('table') ?? '' } : {}),
                    }),
                },
            };
        case 'POST /workspaces':
            return { status: 201, body: control.createWorkspace((await json(context)) as never) };
        case 'POST /eventhouses':
            return { status: 201, body: control.createEventhouse((await json(context)) as never) };
        case 'POST /seed':
            return { status: 201, body: control.applySeed((await json(context)) as never) };
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
        case 'POST /tokens':
            return { status: 200, body: control.issueToken((await json(context)) as never) };
        default:
            throw kustoErrors.controlNotFound(`No control operation ${context.method} ${context.url.pathname}`);
    }
}
