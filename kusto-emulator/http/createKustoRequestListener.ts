import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringifyExactly } from '../../emulator/http/exactJson';
import type { KustoControl } from '../control/KustoControl';
import { KustoError } from '../errors/KustoError';
import { kustoErrors } from '../errors/kustoErrors';
import { FabricError } from '../fabric/FabricError';
import { handleFabric } from '../fabric/fabricHandlers';
import type { KustoFault } from '../faults/KustoFaultInjector';
import { authMetadata } from '../handlers/authMetadataHandler';
import { prepareManagement, prepareQuery } from '../handlers/cslHandlers';
import { prepareIngest } from '../handlers/ingestHandler';
import { handleKustoControl } from '../handlers/kustoControlHandlers';
import type { KustoRuntime } from '../KustoRuntime';
import type { KustoHandlerResult, KustoRequestContext } from './KustoRequestContext';
import type { PreparedCall } from './PreparedCall';
import { routeKustoCall } from './routeKustoCall';

const maxLogEntries = 10_000;

export interface KustoRequestListener {
    (request: IncomingMessage, response: ServerResponse): void;
    /** Connections held open by "hang" faults, destroyed on close. */
    hanging: Set<ServerResponse>;
}

async function prepare(runtime: KustoRuntime, context: KustoRequestContext): Promise<PreparedCall> {
    const route = routeKustoCall(context.method, context.url.pathname);
    switch (route.kind) {
        case 'authMetadata':
            return { operation: 'authMetadata', execute: authMetadata };
        case 'ingest':
            return prepareIngest(runtime, context, route.database, route.table);
        case 'mgmt':
            return prepareManagement(runtime, context);
        case 'query':
            return prepareQuery(runtime, context, route.version);
        case 'fabric':
            return { operation: 'fabric', execute: () => handleFabric(runtime, context, route.route) };
    }
}

/**
 * The request pipeline: x-ms-activity-id on every answer and x-ms-client-request-id echoed, routing and body
 * reading, fault injection, the handler, the OneApiError envelope, and the request log.
 */
export function createKustoRequestListener(runtime: KustoRuntime, control: KustoControl): KustoRequestListener {
    const hanging = new Set<ServerResponse>();

    const listener = ((request: IncomingMessage, response: ServerResponse) => {
        const activityId = randomUUID();
        const url = new URL(request.url ?? '/', 'http://emulator.invalid');
        const clientRequestHeader = request.headers['x-ms-client-request-id'];
        const clientRequestId = typeof clientRequestHeader === 'string' ? clientRequestHeader : undefined;
        const context: KustoRequestContext = {
            activityId,
            ...(clientRequestId !== undefined ? { clientRequestId } : {}),
            method: (request.method ?? 'GET').toUpperCase(),
            url,
            request,
            log: {},
        };
        const arrivedAt = runtime.now().toISOString();
        const isControl = url.pathname.startsWith('/_emulator/');

        const record = (status: number) => {
            if (isControl) return;
            runtime.requestLog.push({
                activityId,
                ...(clientRequestId !== undefined ? { clientRequestId } : {}),
                time: arrivedAt,
                method: context.method,
                path: `${url.pathname}${url.search}`,
                ...context.log,
                status,
            });
            if (runtime.requestLog.length > maxLogEntries) {
                runtime.requestLog.splice(0, runtime.requestLog.length - maxLogEntries);
            }
        };
        const finish = (result: KustoHandlerResult) => {
            if (!response.headersSent && !response.destroyed) {
                const payload = result.body === undefined ? '' : stringifyExactly(result.body);
                response.writeHead(result.status, {
                    'x-ms-activity-id': activityId,
                    // Documented: the id sent in the request header of the same name, "or some unique identifier".
                    'x-ms-client-request-id': clientRequestId ?? `KE.Emulator;${activityId}`,
                    ...(payload === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
                    'Content-Length': String(Buffer.byteLength(payload)),
                    ...result.headers,
                });
                response.end(payload);
            }
            record(result.status);
        };
        const errorContext = () => ({
            activityId,
            clientRequestId: clientRequestId ?? '',
            timestamp: runtime.now().toISOString(),
        });
        const fail = (error: unknown) => {
            if (error instanceof KustoError && error.status === 401) {
                return finish({ status: 401, headers: error.headers });
            }
            if (error instanceof KustoError || error instanceof FabricError) {
                return finish({ status: error.status, body: error.toBody(errorContext()), headers: error.headers });
            }
            runtime.logger.error('unexpected error', { activityId, error: (error as Error).stack ?? String(error) });
            const internal = kustoErrors.internal();
            finish({ status: internal.status, body: internal.toBody(errorContext()) });
        };
        const hang = () => {
            record(0);
            hanging.add(response);
            response.on('close', () => hanging.delete(response));
        };
        const drop = () => {
            record(0);
            request.socket.destroy();
        };
        const answerStatus = (fault: KustoFault, call: PreparedCall) => {
            const error =
                fault.status === 429
                    ? kustoErrors.throttled(fault.retryAfterSeconds)
                    : fault.status === 400
                      ? kustoErrors.injectedBadRequest()
                      : fault.status === 404
                        ? kustoErrors.streamingDisabled(call.database ?? '', call.table ?? '')
                        : kustoErrors.serviceError(fault.status === 503 || fault.status === 520 ? fault.status : 500);
            fail(error);
        };

        const run = async (): Promise<void> => {
            if (isControl) return finish(await handleKustoControl(control, context));
            const call = await prepare(runtime, context);
            context.log.operation = call.operation;
            if (call.database !== undefined) context.log.database = call.database;
            if (call.table !== undefined) context.log.table = call.table;
            const fault = runtime.faults.take(call.operation, call.database, call.table);
            if (fault) {
                context.log.fault = fault.kind === 'applied' ? `applied-then-${fault.then}` : fault.kind;
                runtime.logger.info('fault injected', { activityId, operation: call.operation, kind: fault.kind });
            }
            switch (fault?.kind) {
                case 'status':
                    return answerStatus(fault, call);
                case 'hang':
                    return hang();
                case 'reset':
                    return drop();
                case 'applied': {
                    // Carried out in full (rows committed, command run); then the client hears nothing, or a failure.
                    await call.execute();
                    if (fault.then === 'status') return answerStatus(fault, call);
                    return fault.then === 'reset' ? drop() : hang();
                }
                case undefined:
                    return finish(await call.execute());
            }
        };

        run().catch(fail);
    }) as KustoRequestListener;
    listener.hanging = hanging;
    return listener;
}
