import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const kustoOperationNames = ['authMetadata', 'ingest', 'mgmt', 'query', 'fabric'] as const;
export type KustoOperationName = (typeof kustoOperationNames)[number];

/**
 * One injected fault, taken by the next `count` calls of `operation` (or any, with "*") in `database` / `table` when
 * set, so parallel tests that use other databases cannot take it:
 * - `status`: answered with that status and a OneApiError: 429 ThrottlingException (`retryAfterSeconds` adds
 *   Retry-After), 500 / 503 / 520 (`@permanent:false`), 400 (`@permanent:true`), 404 (streaming ingestion disabled);
 * - `hang`: no answer (the connection stays open); `reset`: the connection is dropped;
 * - `applied`: the call is carried out (rows committed, command run), then the answer is lost as `then` says:
 *   `hang`, `reset` or `status` (with `status`).
 */
export const kustoFaultSchema = z.strictObject({
    operation: z.enum([...kustoOperationNames, '*']).default('ingest'),
    kind: z.enum(['status', 'hang', 'reset', 'applied']),
    then: z.enum(['hang', 'reset', 'status']).optional(),
    status: z
        .union([z.literal(400), z.literal(404), z.literal(429), z.literal(500), z.literal(503), z.literal(520)])
        .optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    count: z.number().int().positive().default(1),
    database: z.string().min(1).optional(),
    table: z.string().min(1).optional(),
});
export type KustoFaultInput = z.input<typeof kustoFaultSchema>;
export type KustoFault = z.output<typeof kustoFaultSchema> & { id: string; remaining: number };

export class KustoFaultInjector {
    private faults: KustoFault[] = [];

    /** Throws with a readable message when the fault is incomplete; the control API answers it as a 400. */
    add(input: KustoFaultInput): KustoFault {
        const parsed = kustoFaultSchema.parse(input);
        if (parsed.kind === 'status' && parsed.status === undefined) throw new Error('A status fault needs "status"');
        if (parsed.kind === 'applied' && parsed.then === undefined) {
            throw new Error('An applied fault needs "then": hang, reset or status');
        }
        if (parsed.kind === 'applied' && parsed.then === 'status' && parsed.status === undefined) {
            throw new Error('An applied fault with "then": "status" needs "status"');
        }
        if (parsed.status === 404 && parsed.operation !== 'ingest') {
            throw new Error('A 404 fault (streaming ingestion disabled) applies to operation "ingest" only');
        }
        const fault: KustoFault = { ...parsed, id: randomUUID(), remaining: parsed.count };
        this.faults.push(fault);
        return fault;
    }

    /** Consumes one use of the first fault that matches the call, if any. */
    take(
        operation: KustoOperationName,
        database: string | undefined,
        table: string | undefined,
    ): KustoFault | undefined {
        const fault = this.faults.find(
            (candidate) =>
                (candidate.operation === '*' || candidate.operation === operation) &&
                (candidate.database === undefined || candidate.database === database) &&
                (candidate.table === undefined || candidate.table === table),
        );
        if (!fault) return undefined;
        fault.remaining -= 1;
        if (fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
        return fault;
    }

    list(): KustoFault[] {
        return this.faults.map((fault) => ({ ...fault }));
    }

    clear(): void {
        this.faults = [];
    }
}
