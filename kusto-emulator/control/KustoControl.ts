import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { issueAccessToken } from '../../emulator/auth/accessToken';
import { parsePrincipalFqn } from '../commands/principalFqn';
import { KustoError } from '../errors/KustoError';
import { kustoErrors } from '../errors/kustoErrors';
import { kustoFaultSchema, type KustoFault, type KustoFaultInput } from '../faults/KustoFaultInjector';
import type { KustoRequestLogEntry } from '../KustoRequestLogEntry';
import type { KustoRuntime } from '../KustoRuntime';
import type { DatabaseRole, StoredDatabase } from '../state/KustoStore';
import type { StoredValue } from '../state/kustoTypes';
import {
    databaseInputSchema,
    eventhouseInputSchema,
    kustoSeedSchema,
    kustoTokenInputSchema,
    workspaceInputSchema,
    type DatabaseInput,
    type EventhouseInput,
    type KustoSeed,
    type KustoTokenInput,
    type WorkspaceInput,
} from './kustoControlSchemas';

/** A table as GET /_emulator/tables shows it: columns, mapping names, and every row with its ingestion time. */
export interface TableSnapshot {
    database: string;
    table: string;
    columns: { name: string; type: string }[];
    mappings: string[];
    rows: { values: Record<string, StoredValue>; ingestionTime: string }[];
}

export interface DatabaseSnapshot {
    name: string;
    principals: { role: DatabaseRole; fqn: string; notes: string }[];
    tables: string[];
    materializedViews: { name: string; sourceTable: string; key: string; backfill: boolean }[];
}

export interface IssuedKustoToken {
    access_token: string;
    token_type: 'Bearer';
    /** Expiry, epoch seconds (the emulator's clock). */
    expires_on: number;
    resource: string;
}

function parse<S extends z.ZodType>(schema: S, input: unknown, target: string): z.output<S> {
    const result = schema.safeParse(input);
    if (!result.success) {
        const issue = result.error.issues[0];
        throw kustoErrors.controlBadRequest(
            `Invalid ${target}: ${issue?.message ?? 'invalid'}${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}`,
        );
    }
    return result.data;
}

/**
 * The operations behind /_emulator/*, shared by the HTTP control API and the typed helpers of `startKustoEmulator`,
 * so both always behave the same.
 */
export class KustoControl {
    constructor(private readonly runtime: KustoRuntime) {}

    /** Back to empty: no databases, Fabric items, faults or request log. The signing key stays. */
    reset(): void {
        this.runtime.store.reset();
        this.runtime.faults.clear();
        this.runtime.requestLog.length = 0;
    }

    createDatabase(input: DatabaseInput): { name: string } {
        const parsed = parse(databaseInputSchema, input, 'database');
        if (this.runtime.store.database(parsed.name)) {
            throw kustoErrors.controlConflict(`Database '${parsed.name}' already exists`);
        }
        const database: StoredDatabase = {
            name: parsed.name,
            principals: [],
            tables: [],
            materializedViews: [],
            operations: [],
        };
        const now = this.runtime.now().toISOString();
        const roles: [DatabaseRole, string[]][] = [
            ['Admin', parsed.admins],
            ['Ingestor', parsed.ingestors],
            ['Viewer', parsed.viewers],
        ];
        for (const [role, list] of roles) {
            for (const fqn of list) {
                const principal = this.controlled(() => parsePrincipalFqn(fqn));
                database.principals.push({ role, fqn, ...principal, notes: 'seeded', addedAt: now });
            }
        }
        for (const table of parsed.tables) {
            database.tables.push({ name: table.name, columns: table.columns, mappings: [], rows: [] });
        }
        this.runtime.store.databases.push(database);
        return { name: database.name };
    }

    databases(): DatabaseSnapshot[] {
        return this.runtime.store.databases.map((database) => ({
            name: database.name,
            principals: database.principals.map(({ role, fqn, notes }) => ({ role, fqn, notes })),
            tables: database.tables.map((table) => table.name),
            materializedViews: database.materializedViews.map(({ name, sourceTable, key, backfill }) => ({
                name,
                sourceTable,
                key,
                backfill,
            })),
        }));
    }

    /** Every table (of one database, and one table, when named), rows included. */
    tables(filter: { database?: string; table?: string } = {}): TableSnapshot[] {
        return this.runtime.store.databases
            .filter((database) => filter.database === undefined || database.name === filter.database)
            .flatMap((database) =>
                database.tables
                    .filter((table) => filter.table === undefined || table.name === filter.table)
                    .map((table) => ({
                        database: database.name,
                        table: table.name,
                        columns: table.columns.map((column) => ({ ...column })),
                        mappings: table.mappings.map((mapping) => mapping.name),
                        rows: table.rows.map((row) => ({
                            values: { ...row.values },
                            ingestionTime: row.ingestionTime,
                        })),
                    })),
            );
    }

    createWorkspace(input: WorkspaceInput): { id: string } {
        const parsed = parse(workspaceInputSchema, input, 'workspace');
        const id = (parsed.id ?? randomUUID()).toLowerCase();
        if (this.runtime.store.workspace(id)) throw kustoErrors.controlConflict(`Workspace ${id} already exists`);
        this.runtime.store.workspaces.push({
            id,
            name: parsed.name,
            members: parsed.members.map((member) => ({
                principalId: member.principalId.toLowerCase(),
                role: member.role,
            })),
        });
        return { id };
    }

    /** An eventhouse and its KQL databases; a named database that does not exist yet is created (no principals). */
    createEventhouse(input: EventhouseInput): { id: string; databases: { id: string; name: string }[] } {
        const parsed = parse(eventhouseInputSchema, input, 'eventhouse');
        const workspace = this.runtime.store.workspace(parsed.workspaceId);
        if (!workspace) throw kustoErrors.controlNotFound(`Workspace ${parsed.workspaceId} does not exist`);
        const id = (parsed.id ?? randomUUID()).toLowerCase();
        if (this.runtime.store.eventhouses.some((eventhouse) => eventhouse.id === id)) {
            throw kustoErrors.controlConflict(`Eventhouse ${id} already exists`);
        }
        const databases = parsed.databases.map((entry) => {
            if (this.runtime.store.eventhouseOf(entry.name)) {
                throw kustoErrors.controlConflict(`Database '${entry.name}' already belongs to an eventhouse`);
            }
            if (!this.runtime.store.database(entry.name)) this.createDatabase({ name: entry.name });
            return { id: (entry.id ?? randomUUID()).toLowerCase(), name: entry.name };
        });
        this.runtime.store.eventhouses.push({
            id,
            workspaceId: workspace.id,
            displayName: parsed.displayName,
            databases,
        });
        return { id, databases };
    }

    applySeed(seed: KustoSeed): { databases: string[]; workspaces: string[]; eventhouses: string[] } {
        const parsed = parse(kustoSeedSchema, seed, 'seed');
        return {
            databases: parsed.databases.map((database) => this.createDatabase(database).name),
            workspaces: parsed.workspaces.map((workspace) => this.createWorkspace(workspace).id),
            eventhouses: parsed.eventhouses.map((eventhouse) => this.createEventhouse(eventhouse).id),
        };
    }

    requests(): KustoRequestLogEntry[] {
        return this.runtime.requestLog.map((entry) => ({ ...entry }));
    }

    clearRequests(): void {
        this.runtime.requestLog.length = 0;
    }

    injectFault(input: KustoFaultInput): KustoFault {
        const parsed = parse(kustoFaultSchema, input, 'fault');
        return this.controlled(() => this.runtime.faults.add(parsed));
    }

    faults(): KustoFault[] {
        return this.runtime.faults.list();
    }

    clearFaults(): void {
        this.runtime.faults.clear();
    }

    issueToken(input: KustoTokenInput): IssuedKustoToken {
        const parsed = parse(kustoTokenInputSchema, input, 'token');
        const { token, claims } = issueAccessToken(
            {
                principalId: parsed.principalId.toLowerCase(),
                kind: 'app',
                audience: parsed.audience,
                lifetimeSeconds: parsed.expiresInSeconds,
                nowMs: this.runtime.now().getTime(),
                ...(parsed.clientId ? { clientId: parsed.clientId.toLowerCase() } : {}),
            },
            this.runtime.signingKey,
        );
        return { access_token: token, token_type: 'Bearer', expires_on: claims.exp, resource: parsed.audience };
    }

    /** Runs a check that throws plain errors (zod, the fault injector) and answers them as control 400s. */
    private controlled<T>(operation: () => T): T {
        try {
            return operation();
        } catch (error) {
            if (error instanceof KustoError) {
                if (error.status === 400) throw kustoErrors.controlBadRequest(error.detail);
                throw error;
            }
            throw kustoErrors.controlBadRequest((error as Error).message);
        }
    }
}
