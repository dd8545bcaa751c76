import { kustoErrors } from '../errors/kustoErrors';
import type { KustoRuntime } from '../KustoRuntime';
import type { DatabaseRole, StoredDatabase } from '../state/KustoStore';
import type { KustoCaller } from './authenticateKusto';

/** What a call does in a database, and the roles that may do it. */
export type DatabaseAction = 'ingest' | 'mapping' | 'query' | 'show' | 'admin';

const allowed: Record<DatabaseAction, DatabaseRole[]> = {
    // Ingestors may only ingest (no query rights, as the role's documentation says); Admins may do everything.
    ingest: ['Admin', 'Ingestor'],
    // Documented: creating a table ingestion mapping needs at least Table Ingestor. Showing mappings has no
    // documented permission; the emulator allows the same roles (strict: not Viewers).
    mapping: ['Admin', 'Ingestor'],
    query: ['Admin', 'Viewer'],
    // Documented for .show tables / table schema / materialized-views: Database User, Viewer or Monitor.
    show: ['Admin', 'Viewer'],
    admin: ['Admin'],
};

const actionText: Record<DatabaseAction, string> = {
    ingest: 'ingest data',
    mapping: 'manage ingestion mappings',
    query: 'run queries',
    show: 'run this .show command',
    admin: 'run this control command',
};

/**
 * The caller's roles in a database: principals added to the database (matched on the FQN's id against the token's
 * appid or oid, and on the tenant when the FQN names one), and, for a database of a Fabric eventhouse, the workspace
 * role (Admin, Member, Contributor -> database Admin; Viewer -> database Viewer), as the research notes describe.
 */
export function rolesOf(runtime: KustoRuntime, caller: KustoCaller, database: StoredDatabase): Set<DatabaseRole> {
    const roles = new Set<DatabaseRole>();
    for (const principal of database.principals) {
        const idMatches = principal.id === caller.appId || principal.id === caller.objectId;
        const tenantMatches = principal.tenant === undefined || principal.tenant === caller.tenantId;
        if (idMatches && tenantMatches) roles.add(principal.role);
    }
    const eventhouse = runtime.store.eventhouseOf(database.name);
    const workspace = eventhouse ? runtime.store.workspace(eventhouse.workspaceId) : undefined;
    const member = workspace?.members.find((candidate) => candidate.principalId === caller.objectId);
    if (member) roles.add(member.role === 'Viewer' ? 'Viewer' : 'Admin');
    return roles;
}

/** Throws 403 unless the caller holds a role that may do `action` in `database`. */
export function authorizeDatabase(
    runtime: KustoRuntime,
    caller: KustoCaller,
    database: StoredDatabase,
    action: DatabaseAction,
): void {
    const roles = rolesOf(runtime, caller, database);
    if (!allowed[action].some((role) => roles.has(role))) {
        throw kustoErrors.forbidden(caller.fqn, actionText[action], database.name);
    }
}
