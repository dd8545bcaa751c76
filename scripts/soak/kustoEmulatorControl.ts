import { z } from 'zod';
import type { DatabaseInput, IssuedKustoToken, KustoFaultInput, KustoTokenInput } from '../../kusto-emulator';
import type { KustoEmulatorSetupHandle } from '../../local/setUpKustoDatabases';

const tokenSchema = z.object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_on: z.number(),
    resource: z.string(),
});
const storedRowSchema = z.object({ values: z.record(z.string(), z.unknown()), ingestionTime: z.string() });
const tablesSchema = z.object({ value: z.array(z.object({ rows: z.array(storedRowSchema) })) });

export type StoredKustoRow = z.infer<typeof storedRowSchema>;
const requestsSchema = z.object({
    value: z.array(z.object({ status: z.number(), operation: z.string().optional(), fault: z.string().optional() })),
});

export interface KustoEmulatorControl extends KustoEmulatorSetupHandle {
    injectFault(fault: KustoFaultInput): Promise<void>;
    clearFaults(): Promise<void>;
    /** The stored rows of one table (GET /_emulator/tables?db=&table=), raw: before the dedup view. */
    rows(database: string, table: string): Promise<Record<string, unknown>[]>;
    /** The same with the ingestion time the emulator stamped on each. */
    storedRows(database: string, table: string): Promise<StoredKustoRow[]>;
    requests(): Promise<z.infer<typeof requestsSchema>['value']>;
    clearRequests(): Promise<void>;
}

/** The Kusto emulator's control API (`/_emulator/*`) over HTTP, for an emulator in a process of its own. */
export function kustoEmulatorControl(url: string): KustoEmulatorControl {
    const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> => {
        const response = await fetch(`${url}/_emulator/${path}`, {
            method,
            ...(body !== undefined
                ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
                : {}),
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`${method} ${url}/_emulator/${path}: ${response.status} ${text}`);
        return text === '' ? undefined : (JSON.parse(text) as unknown);
    };
    const storedRows = async (database: string, table: string): Promise<StoredKustoRow[]> => {
        const query = new URLSearchParams({ db: database, table });
        const { value } = tablesSchema.parse(await call('GET', `tables?${query.toString()}`));
        return value.flatMap((snapshot) => snapshot.rows);
    };
    return {
        url,
        async issueToken(input: KustoTokenInput): Promise<IssuedKustoToken> {
            return tokenSchema.parse(await call('POST', 'tokens', input));
        },
        async createDatabase(input: DatabaseInput) {
            await call('POST', 'databases', input);
            return { name: input.name };
        },
        async injectFault(fault) {
            await call('POST', 'faults', fault);
        },
        async clearFaults() {
            await call('DELETE', 'faults');
        },
        storedRows,
        async rows(database, table) {
            return (await storedRows(database, table)).map((row) => row.values);
        },
        async requests() {
            return requestsSchema.parse(await call('GET', 'requests')).value;
        },
        async clearRequests() {
            await call('DELETE', 'requests');
        },
    };
}
