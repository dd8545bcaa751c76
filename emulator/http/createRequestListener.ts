import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorControl } from '../control/EmulatorControl';
import type { EmulatorRuntime } from '../EmulatorRuntime';
import { PowerBiError } from '../errors/PowerBiError';
import { powerBiErrors } from '../errors/powerBiErrors';
import type { Fault, OperationName } from '../faults/FaultInjector';
import { handleControl } from '../handlers/controlHandlers';
import * as groups from '../handlers/groupHandlers';
import { msiToken } from '../handlers/msiTokenHandler';
import * as push from '../handlers/pushDatasetHandlers';
import { executeQueries } from '../handlers/queryHandlers';
import * as refresh from '../handlers/refreshHandlers';
import { matchRestRoute } from './matchRestRoute';
import type { HandlerResult, RequestContext } from './RequestContext';
import type { RouteParams } from './RouteParams';
import { sendResult } from './sendResult';

type RestHandler = (runtime: EmulatorRuntime, context: RequestContext, params: RouteParams) => Promise<HandlerResult>;

const restHandlers: Record<Exclude<OperationName, 'msiToken'>, RestHandler> = {
    createDataset: push.createDataset,
    getDatasets: push.getDatasets,
    getDataset: push.getDataset,
    deleteDataset: push.deleteDataset,
    getTables: push.getTables,
    putTable: push.putTable,
    postRows: push.postRows,
    deleteRows: push.deleteRows,
    refreshDataset: refresh.refreshDataset,
    getRefreshHistory: refresh.getRefreshHistory,
    getRefreshExecutionDetails: refresh.getRefreshExecutionDetails,
    cancelRefresh: refresh.cancelRefresh,
    executeQueries,
    getGroups: groups.getGroups,
    getGroupUsers: groups.getGroupUsers,
    addGroupUser: groups.addGroupUser,
    updateGroupUser: groups.updateGroupUser,
    deleteGroupUser: groups.deleteGroupUser,
};

const maxLogEntries = 10_000;

export interface RequestListener {
    (request: IncomingMessage, response: ServerResponse): void;
    /** Connections held open by "hang" faults, destroyed on close. */
    hanging: Set<ServerResponse>;
    /** Timers of "delay" faults, cleared on close. */
    timers: Set<NodeJS.Timeout>;
}

/**
 * The request pipeline: RequestId on every answer, routing, fault injection, the handler, the
 * error envelope, and the request log (REST and managed identity calls).
 */
export function createRequestListener(runtime: EmulatorRuntime, control: EmulatorControl): RequestListener {
    const hanging = new Set<ServerResponse>();
    const timers = new Set<NodeJS.Timeout>();

    const listener = ((request: IncomingMessage, response: ServerResponse) => {
        const requestId = randomUUID();
        const url = new URL(request.url ?? '/', 'http://emulator.invalid');
        const context: RequestContext = {
            requestId,
            method: (request.method ?? 'GET').toUpperCase(),
            url,
            request,
            log: {},
        };
        const arrivedAt = runtime.clock.now().toISOString();

        const finish = (result: HandlerResult) => {
            sendResult(response, requestId, result.status, result.body, result.headers);
            if (!url.pathname.startsWith('/_emulator/')) record(result.status);
        };
        const record = (status: number) => {
            runtime.requestLog.push({
                requestId,
                time: arrivedAt,
                method: context.method,
                path: `${url.pathname}${url.search}`,
                ...context.log,
                status,
            });
            if (runtime.requestLog.length > maxLogEntries)
                runtime.requestLog.splice(0, runtime.requestLog.length - maxLogEntries);
        };
        const fail = (error: unknown) => {
            if (error instanceof PowerBiError)
                return finish({ status: error.status, body: error.toBody(), headers: error.headers });
            runtime.logger.error('unexpected error', { requestId, error: (error as Error).stack ?? String(error) });
            const internal = powerBiErrors.internal();
            finish({ status: internal.status, body: internal.toBody() });
        };

        const run = async (): Promise<void> => {
            if (url.pathname.startsWith('/_emulator/')) return finish(await handleControl(control, context));
            let operation: OperationName;
            let params: RouteParams = {};
            if (url.pathname.replace(/\/$/, '').toLowerCase() === '/msi/token') {
                if (context.method !== 'GET') throw powerBiErrors.methodNotAllowed(context.method);
                operation = 'msiToken';
            } else {
                const match = matchRestRoute(context.method, url.pathname);
                if (match.kind === 'notFound') throw powerBiErrors.routeNotFound(context.method, url.pathname);
                if (match.kind === 'methodNotAllowed') throw powerBiErrors.methodNotAllowed(context.method);
                operation = match.operation;
                params = match.params;
            }
            context.log.operation = operation;
            if (params.datasetId) context.log.datasetId = params.datasetId.toLowerCase();
            const fault = runtime.faults.take(operation, params.datasetId);
            if (fault) {
                context.log.fault = fault.kind;
                const handled = await applyFault(fault, operation, params);
                if (handled) return;
            }
            const result =
                operation === 'msiToken'
                    ? await msiToken(runtime, context)
                    : await restHandlers[operation](runtime, context, params);
            if (fault?.kind === 'applied') return answerApplied(fault, operation);
            finish(result);
        };

        /** The call was carried out; the client is told nothing, or told it failed. */
        const answerApplied = (fault: Fault, operation: OperationName) => {
            runtime.logger.info('fault injected after the call was applied', {
                requestId,
                operation,
                then: fault.then,
            });
            switch (fault.then) {
                case 'status':
                    return answerStatus(fault, operation);
                case 'reset':
                    return drop();
                default:
                    return hang();
            }
        };

        /** No answer at all: the connection stays open until the client gives up or the emulator closes. */
        const hang = () => {
            record(0);
            hanging.add(response);
            response.on('close', () => hanging.delete(response));
        };
        const drop = () => {
            record(0);
            request.socket.destroy();
        };

        const answerStatus = (fault: Fault, operation: OperationName) => {
            const error =
                fault.status === 429
                    ? powerBiErrors.injectedThrottle(fault.retryAfterSeconds ?? 1)
                    : fault.status === 503
                      ? powerBiErrors.injectedUnavailable(fault.retryAfterSeconds)
                      : powerBiErrors.injectedServerError();
            request.resume();
            // The managed identity endpoint answers its failures as {"statusCode","message"} (msiTokenHandler).
            const body =
                operation === 'msiToken'
                    ? { statusCode: error.status, message: error.message }
                    : fault.body === 'plain'
                      ? { message: error.message }
                      : error.toBody();
            finish({ status: error.status, body, headers: error.headers });
        };

        /**
         * Returns true when the fault answered (or swallowed) the call; a delay, an applied or a tokenExpired fault lets
         * it continue.
         */
        const applyFault = async (fault: Fault, operation: OperationName, params: RouteParams): Promise<boolean> => {
            runtime.logger.info('fault injected', { requestId, operation, kind: fault.kind });
            switch (fault.kind) {
                case 'status':
                    answerStatus(fault, operation);
                    return true;
                case 'tokenExpired': {
                    // From now on the handler's own token check refuses this token (403 TokenExpired).
                    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
                    if (token !== undefined) runtime.faults.expireToken(token);
                    return false;
                }
                case 'reset':
                    drop();
                    return true;
                case 'hang':
                    hang();
                    return true;
                case 'applied':
                    // Carried out first; answerApplied decides what the client hears.
                    return false;
                case 'delay': {
                    const delayMs = fault.delayMs ?? 0;
                    // A delayed POST rows call is a pending request for the 5-pending limit meanwhile.
                    const release =
                        operation === 'postRows' && params.datasetId
                            ? runtime.throttle.beginPending(
                                  params.datasetId.toLowerCase(),
                                  runtime.clock.nowMs() + delayMs * runtime.clock.timeScale,
                              )
                            : () => {};
                    await new Promise<void>((resolve) => {
                        const timer = setTimeout(() => {
                            timers.delete(timer);
                            resolve();
                        }, delayMs);
                        timers.add(timer);
                    });
                    release();
                    return false;
                }
            }
        };

        run().catch(fail);
    }) as RequestListener;
    listener.hanging = hanging;
    listener.timers = timers;
    return listener;
}
