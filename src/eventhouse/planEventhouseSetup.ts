import { z } from 'zod';
import type { EventhouseSetupState, ExistingMapping } from './eventhouseSetupState';
import { kustoName, kustoString } from './kustoLiterals';
import {
    eventIdColumn,
    toDedupViewCommand,
    toJsonMapping,
    type JsonMappingElement,
    type KustoTable,
} from './kustoTableSchema';

/** One Kusto table the relay delivers to, with the mapping it ingests through and the dedup view Power BI reads. */
export interface DesiredTable {
    /** `<dataset>/<Power BI table>`, for messages. */
    source: string;
    table: KustoTable;
    mapping: string;
    view: string;
}

/** The relay's managed identity, given the database's Ingestor and Viewer roles. */
export interface RelayIdentity {
    clientId: string;
    tenantId?: string;
}

export interface DesiredEventhouseSetup {
    database: string;
    tables: DesiredTable[];
    /** Without it, roles are neither planned nor checked. */
    identity?: RelayIdentity;
}

export type SetupRole = 'Ingestor' | 'Viewer';

export type SetupItemOutcome =
    | { kind: 'ok' }
    /** A command still needed; `async` ones answer an operation id to poll. */
    | { kind: 'step'; change: string; command: string; async: boolean }
    /** What the service cannot change in place (a column's type), or a same-named item that is something else. */
    | { kind: 'conflict'; message: string }
    /** The state could not be read with the caller's roles. */
    | { kind: 'unreadable'; message: string };

export interface SetupItem {
    what: 'table' | 'mapping' | 'view' | 'role';
    /** e.g. `table 'Orders'`, `Ingestor role of aadapp=<id>;<tenant>` */
    subject: string;
    /** The Kusto table a table, mapping or view item belongs to. */
    table?: string;
    outcome: SetupItemOutcome;
}

export interface EventhouseSetupPlan {
    database: string;
    items: SetupItem[];
}

const roleKeywords: Record<SetupRole, string> = { Ingestor: 'ingestors', Viewer: 'viewers' };
const synonyms: Record<string, string> = {
    int64: 'long',
    int32: 'int',
    double: 'real',
    boolean: 'bool',
    date: 'datetime',
};
const normalType = (type: string): string => synonyms[type.toLowerCase()] ?? type.toLowerCase();

/**
 * From what the database holds to the commands still needed, in the order they can run: tables (`.create-merge`
 * adds missing columns and never drops any), then mappings, views and roles. A second plan after the first has run
 * has no steps. A column whose type differs, or a view that reads another table or key, is a conflict the service
 * cannot resolve without dropping data, so it is reported, never changed.
 */
export function planEventhouseSetup(state: EventhouseSetupState, desired: DesiredEventhouseSetup): EventhouseSetupPlan {
    const items: SetupItem[] = desired.tables.flatMap((table) =>
        [planTable(state, table), planMapping(state, table), planView(state, table)].map((item) => ({
            ...item,
            table: table.table.name,
        })),
    );
    if (desired.identity) {
        for (const role of ['Ingestor', 'Viewer'] as const)
            items.push(planRole(state, desired, desired.identity, role));
    }
    return { database: desired.database, items };
}

function planTable(state: EventhouseSetupState, desired: DesiredTable): SetupItem {
    const subject = `table '${desired.table.name}'`;
    const command = toCreateMergeCommand(desired.table);
    if (state.views.some((view) => view.name === desired.table.name)) {
        return conflict(
            'table',
            subject,
            `a materialized view has that name; name another table for ${desired.source}`,
        );
    }
    const existing = state.tables.find((table) => table.name === desired.table.name);
    if (!existing) {
        return { what: 'table', subject, outcome: { kind: 'step', change: 'create', command, async: false } };
    }
    const mismatched = desired.table.columns.flatMap((column) => {
        const current = existing.columns.find((candidate) => candidate.name === column.name);
        return current && normalType(current.type) !== column.type
            ? [`column '${column.name}' is ${normalType(current.type)}, ${desired.source} needs ${column.type}`]
            : [];
    });
    if (mismatched.length > 0) {
        return conflict(
            'table',
            subject,
            `${mismatched.join('; ')}. .create-merge cannot change a column's type and the setup never drops one: ` +
                `rename the Power BI column, or name another Kusto table in the config (eventhouse.tables), or change the column yourself`,
        );
    }
    const missing = desired.table.columns.filter(
        (column) => !existing.columns.some((candidate) => candidate.name === column.name),
    );
    if (missing.length === 0) return { what: 'table', subject, outcome: { kind: 'ok' } };
    const change = `add column${missing.length > 1 ? 's' : ''} ${missing.map((column) => `'${column.name}'`).join(', ')}`;
    return { what: 'table', subject, outcome: { kind: 'step', change, command, async: false } };
}

function planMapping(state: EventhouseSetupState, desired: DesiredTable): SetupItem {
    const subject = `mapping '${desired.mapping}' of table '${desired.table.name}'`;
    const elements = toJsonMapping(desired.table);
    const command =
        `.create-or-alter table ${kustoName(desired.table.name)} ingestion json mapping ${kustoString(desired.mapping)} ` +
        kustoString(JSON.stringify(elements));
    const existing = state.tables.find((table) => table.name === desired.table.name);
    if (existing?.mappings === 'forbidden') {
        return unreadable('mapping', subject, 'reading ingestion mappings needs the Ingestor (or Admin) role');
    }
    const current = existing?.mappings.find((mapping) => mapping.name === desired.mapping);
    if (!current)
        return { what: 'mapping', subject, outcome: { kind: 'step', change: 'create', command, async: false } };
    if (sameMapping(current, elements)) return { what: 'mapping', subject, outcome: { kind: 'ok' } };
    return {
        what: 'mapping',
        subject,
        outcome: { kind: 'step', change: 'update (it maps other columns or paths)', command, async: false },
    };
}

function planView(state: EventhouseSetupState, desired: DesiredTable): SetupItem {
    const subject = `materialized view '${desired.view}'`;
    const existing = state.views.find((view) => view.name === desired.view);
    if (!existing) {
        if (state.tables.some((table) => table.name === desired.view)) {
            return conflict('view', subject, `a table has that name; name another view for ${desired.source}`);
        }
        const command = toDedupViewCommand({ table: desired.table.name, view: desired.view });
        return { what: 'view', subject, outcome: { kind: 'step', change: 'create', command, async: true } };
    }
    const expected = `${kustoName(desired.table.name)} | summarize take_any(*) by ${eventIdColumn}`;
    if (existing.sourceTable === desired.table.name && sameQuery(existing.query, expected)) {
        return { what: 'view', subject, outcome: { kind: 'ok' } };
    }
    return conflict(
        'view',
        subject,
        `it exists on table '${existing.sourceTable}' as \`${existing.query}\`, not \`${expected}\`; ` +
            `the setup does not drop views: drop it yourself (.drop materialized-view) or name another view in the config`,
    );
}

function planRole(
    state: EventhouseSetupState,
    desired: DesiredEventhouseSetup,
    identity: RelayIdentity,
    role: SetupRole,
): SetupItem {
    const fqn = `aadapp=${identity.clientId}${identity.tenantId ? `;${identity.tenantId}` : ''}`;
    const subject = `${role} role of ${fqn}`;
    if (state.principals === 'forbidden') {
        return unreadable('role', subject, 'reading the database principals needs the Admin role');
    }
    const held = state.principals.some(
        (principal) =>
            (principal.role === role || principal.role === 'Admin') && samePrincipal(principal.fqn, identity),
    );
    if (held) return { what: 'role', subject, outcome: { kind: 'ok' } };
    const command =
        `.add database ${kustoName(desired.database)} ${roleKeywords[role]} (${kustoString(fqn)}) ` +
        kustoString('pbi-relay managed identity');
    return { what: 'role', subject, outcome: { kind: 'step', change: 'grant', command, async: false } };
}

export function toCreateMergeCommand(table: KustoTable): string {
    const columns = table.columns.map((column) => `${kustoName(column.name)}:${column.type}`).join(', ');
    return `.create-merge table ${kustoName(table.name)} (${columns})`;
}

const conflict = (what: SetupItem['what'], subject: string, message: string): SetupItem => ({
    what,
    subject,
    outcome: { kind: 'conflict', message },
});
const unreadable = (what: SetupItem['what'], subject: string, message: string): SetupItem => ({
    what,
    subject,
    outcome: { kind: 'unreadable', message },
});

/** `aadapp=<id>[;<tenant>]`: the same application, and the same tenant where both name one (ids are GUIDs: any case). */
function samePrincipal(fqn: string, identity: RelayIdentity): boolean {
    const match = /^aadapp=([^;]+)(?:;(.+))?$/i.exec(fqn.trim());
    if (!match?.[1] || match[1].toLowerCase() !== identity.clientId.toLowerCase()) return false;
    return !match[2] || !identity.tenantId || match[2].toLowerCase() === identity.tenantId.toLowerCase();
}

/** Either documented element form, property names in any case: `{column, path, datatype}` or `{Column, DataType, Properties: {Path}}`. */
const storedElementSchema = z
    .record(z.string(), z.unknown())
    .transform((raw) => Object.fromEntries(Object.entries(raw).map(([key, value]) => [key.toLowerCase(), value])))
    .pipe(
        z.looseObject({
            column: z.string(),
            path: z.string().optional(),
            datatype: z.string().optional(),
            properties: z.record(z.string(), z.unknown()).optional(),
        }),
    );

function sameMapping(existing: ExistingMapping, desired: JsonMappingElement[]): boolean {
    let json: unknown;
    try {
        json = JSON.parse(existing.text);
    } catch {
        return false;
    }
    const parsed = z.array(storedElementSchema).safeParse(json);
    if (!parsed.success || parsed.data.length !== desired.length) return false;
    return desired.every((element) => {
        const stored = parsed.data.find((candidate) => candidate.column === element.column);
        if (!stored) return false;
        const storedPath =
            stored.path ?? Object.entries(stored.properties ?? {}).find(([key]) => key.toLowerCase() === 'path')?.[1];
        const typeMatches = !stored.datatype || normalType(stored.datatype) === element.datatype;
        return typeof storedPath === 'string' && normalPath(storedPath) === normalPath(element.path) && typeMatches;
    });
}

/** `$.a`, `$['a']` and `$["a"]` name the same property. */
function normalPath(path: string): string {
    return path
        .replace(/\.([A-Za-z_][A-Za-z0-9_]*)/g, "['$1']")
        .replace(/\[\s*"((?:[^"\\]|\\.)*)"\s*\]/g, (_, name: string) => `['${name.replace(/'/g, "\\'")}']`)
        .replace(/\[\s*'/g, "['")
        .replace(/'\s*\]/g, "']");
}

/** The same query up to spacing, and bare or bracket-quoted names. */
function sameQuery(left: string, right: string): boolean {
    const normal = (query: string) =>
        query
            .replace(/\[\s*(['"])((?:(?!\1)[^\\]|\\.)*)\1\s*\]/g, (_, __, name: string) => name.replace(/\\(.)/g, '$1'))
            .replace(/\s+/g, '')
            .toLowerCase();
    return normal(left) === normal(right);
}
