import { authenticateKusto, kustoAudiences } from '../auth/authenticateKusto';
import { authorizeDatabase } from '../auth/authorizeDatabase';
import { executeCommand } from '../commands/executeCommand';
import { parseCommand } from '../commands/parseCommand';
import { kustoErrors } from '../errors/kustoErrors';
import type { PreparedCall } from '../http/PreparedCall';
import type { KustoRequestContext } from '../http/KustoRequestContext';
import type { KustoRuntime } from '../KustoRuntime';
import { evaluateQuery } from '../query/evaluateQuery';
import { parseQuery } from '../query/parseQuery';
import { toV1Body, toV1QueryBody, toV2Frames } from '../results/ResultTable';
import type { StoredDatabase } from '../state/KustoStore';
import type { KustoCaller } from '../auth/authenticateKusto';
import { parseCslRequest } from './parseCslRequest';

function openDatabase(
    runtime: KustoRuntime,
    context: KustoRequestContext,
    name: string,
): [KustoCaller, StoredDatabase] {
    const caller = authenticateKusto(runtime, context, kustoAudiences(runtime));
    const database = runtime.store.database(name);
    if (!database) throw kustoErrors.databaseNotFound(name);
    return [caller, database];
}

/** POST /v1/rest/mgmt: one management command of the emulator's subset; the answer is its v1 result table. */
export async function prepareManagement(runtime: KustoRuntime, context: KustoRequestContext): Promise<PreparedCall> {
    const request = await parseCslRequest(context);
    return {
        operation: 'mgmt',
        database: request.db,
        execute: () => {
            const [caller, database] = openDatabase(runtime, context, request.db);
            const command = parseCommand(request.csl);
            if ('table' in command) context.log.table = command.table;
            const result = executeCommand(runtime, caller, database, command);
            runtime.logger.info('command run', { database: request.db, command: command.kind });
            return { status: 200, body: toV1Body([result]) };
        },
    };
}

/** POST /v1/rest/query and /v2/rest/query: a query of the KQL subset, answered as v1 tables or v2 frames. */
export async function prepareQuery(
    runtime: KustoRuntime,
    context: KustoRequestContext,
    version: 'v1' | 'v2',
): Promise<PreparedCall> {
    const request = await parseCslRequest(context);
    return {
        operation: 'query',
        database: request.db,
        execute: () => {
            const [caller, database] = openDatabase(runtime, context, request.db);
            const query = parseQuery(request.csl);
            context.log.table = query.source.name;
            authorizeDatabase(runtime, caller, database, 'query');
            const primary = evaluateQuery(runtime.store, database, query);
            return {
                status: 200,
                body: version === 'v1' ? toV1QueryBody(primary, context.activityId) : toV2Frames(primary),
            };
        },
    };
}
