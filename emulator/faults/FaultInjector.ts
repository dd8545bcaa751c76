import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const operationNames = [
    'createDataset',
    'getDatasets',
    'getDataset',
    'deleteDataset',
    'getTables',
    'putTable',
    'postRows',
    'deleteRows',
    'refreshDataset',
    'getRefreshHistory',
    'getRefreshExecutionDetails',
    'cancelRefresh',
    'executeQueries',
    'getGroups',
    'getGroupUsers',
    'addGroupUser',
    'updateGroupUser',
    'deleteGroupUser',
    'msiToken',
] as const;
export type OperationName = (typeof operationNames)[number];

/**
 * The next `count` calls of `operation` (optionally only for one dataset) answer with an injected fault:
 * status: 429 (with Retry-After), 500 or 503, with `body` "envelope" ({"error":{"code","message"}}, the default) or
 * "plain" ({"message"}, the body observed on Power BI 429s);
 * hang: never answer (until the client gives up or the emulator closes);
 * reset: destroy the connection without an answer;
 * delay: handle the call normally after `delayMs` real milliseconds (it counts as pending meanwhile);
 * applied: handle the call normally (rows are stored, a dataset is created), then, instead of its answer,
 * `then`: hang (the client times out), reset (the connection drops) or status (a 500/503 comes back): the
 * outcome a client cannot tell from a call that did nothing. A call the handler refuses is answered as usual;
 * tokenExpired: refuse the call's bearer token as expired (403 TokenExpired), and that token on every later call
 * too, as the service judges a token whose expiry has passed: the client gets past it only with a new token from
 * /msi/token. A call without a bearer token is answered as usual (401).
 * On msiToken, a status fault answers in the App Service endpoint's own body ({"statusCode","message"}).
 */
export const faultSchema = z.strictObject({
    operation: z.enum([...operationNames, '*']),
    kind: z.enum(['status', 'hang', 'reset', 'delay', 'applied', 'tokenExpired']),
    then: z.enum(['hang', 'reset', 'status']).optional(),
    count: z.number().int().positive().default(1),
    status: z.union([z.literal(429), z.literal(500), z.literal(503)]).optional(),
    body: z.enum(['envelope', 'plain']).default('envelope'),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    delayMs: z.number().int().nonnegative().optional(),
    datasetId: z.string().optional(),
});
export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema> & { id: string; remaining: number };

export class FaultInjector {
    private faults: Fault[] = [];
    /** Bearer tokens a tokenExpired fault refused; they stay refused until the emulator is reset. */
    private readonly expiredTokens = new Set<string>();

    add(input: FaultInput): Fault {
        const parsed = faultSchema.parse(input);
        if (parsed.kind === 'status' && parsed.status === undefined) throw new Error('A status fault needs "status"');
        if (parsed.kind === 'delay' && parsed.delayMs === undefined) throw new Error('A delay fault needs "delayMs"');
        if (parsed.kind === 'applied' && parsed.then === undefined)
            throw new Error('An applied fault needs "then": hang, reset or status');
        if (parsed.kind === 'applied' && parsed.then === 'status' && parsed.status === undefined)
            throw new Error('An applied fault with "then": "status" needs "status"');
        if (parsed.kind === 'tokenExpired' && (parsed.operation === 'msiToken' || parsed.operation === '*'))
            throw new Error('A tokenExpired fault needs a REST operation (the token endpoint takes no bearer token)');
        const fault: Fault = { ...parsed, id: randomUUID(), remaining: parsed.count };
        this.faults.push(fault);
        return fault;
    }

    /** Consumes one use of the first fault that matches this call, if any. */
    take(operation: OperationName, datasetId: string | undefined): Fault | undefined {
        const fault = this.faults.find(
            (candidate) =>
                (candidate.operation === '*' || candidate.operation === operation) &&
                (candidate.datasetId === undefined || candidate.datasetId.toLowerCase() === datasetId?.toLowerCase()),
        );
        if (!fault) return undefined;
        fault.remaining -= 1;
        if (fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
        return fault;
    }

    expireToken(token: string): void {
        this.expiredTokens.add(token);
    }

    isExpired(token: string): boolean {
        return this.expiredTokens.has(token);
    }

    list(): Fault[] {
        return this.faults.map((fault) => ({ ...fault }));
    }

    /** Drops the pending faults; tokens already refused as expired stay refused. */
    clear(): void {
        this.faults = [];
    }

    /** Back to nothing injected: no pending faults, no refused tokens. */
    reset(): void {
        this.faults = [];
        this.expiredTokens.clear();
    }
}
