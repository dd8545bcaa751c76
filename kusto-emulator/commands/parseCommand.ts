import { kustoErrors } from '../errors/kustoErrors';
import { toKustoType, type KustoType } from '../state/kustoTypes';
import type { DatabaseRole } from '../state/KustoStore';
import { CslCursor } from './CslCursor';
import { tokenizeCsl } from './tokenizeCsl';

export type ManagementCommand =
    | { kind: 'createMergeTable'; table: string; columns: { name: string; type: KustoType }[] }
    | { kind: 'showTableSchema'; table: string; format: 'json' | 'csl' }
    | { kind: 'createOrAlterMapping'; table: string; mapping: string; text: string }
    | { kind: 'showMappings'; table: string; mapping?: string }
    | {
          kind: 'createMaterializedView';
          async: boolean;
          ifNotExists: boolean;
          view: string;
          sourceTable: string;
          key: string;
          query: string;
          backfill: boolean;
          lookback?: string;
      }
    | { kind: 'showMaterializedViews'; view?: string }
    | { kind: 'addPrincipals'; database: string; role: DatabaseRole; fqns: string[]; notes: string }
    | { kind: 'showPrincipals'; database: string }
    | { kind: 'showTables' }
    | { kind: 'showOperation'; operationId: string };

const roleKeywords: Record<string, DatabaseRole> = { admins: 'Admin', ingestors: 'Ingestor', viewers: 'Viewer' };

/**
 * Parses the management commands the emulator knows (keywords case-insensitive, names case-sensitive):
 * `.create-merge table`, `.show table T schema as json` / `cslschema`, `.create-or-alter table T ingestion json
 * mapping`, `.show table T ingestion [json] mappings`, `.create [ifnotexists] materialized-view`,
 * `.show materialized-views` / `materialized-view V`, `.add database D admins|ingestors|viewers (...)`,
 * `.show database D principals`, `.show tables` and `.show operations <id>`. Anything else is a 400 naming the command.
 */
export function parseCommand(csl: string): ManagementCommand {
    // An unquoted GUID is not one token in the emulator's tokenizer, so this one command is matched whole.
    const operation = /^\s*\.show\s+operations\s+(['"]?)([0-9a-fA-F-]{36})\1\s*;?\s*$/i.exec(csl);
    if (operation?.[2]) return { kind: 'showOperation', operationId: operation[2].toLowerCase() };
    const cursor = new CslCursor(tokenizeCsl(csl), 'management commands');
    cursor.expectPunct('.');
    const verb = cursor.next();
    const word = verb?.kind === 'name' ? verb.text.toLowerCase() : '';
    const command = parseVerb(cursor, word, csl);
    cursor.expectEnd();
    return command;
}

function unsupported(csl: string): never {
    const head = csl.trim().split(/\s+/).slice(0, 3).join(' ');
    throw kustoErrors.badRequest(
        `The command '${head.slice(0, 100)}' is not supported by the Kusto emulator (kusto-emulator/README.md lists the subset).`,
    );
}

function parseVerb(cursor: CslCursor, word: string, csl: string): ManagementCommand {
    switch (word) {
        case 'create-merge': {
            cursor.expectKeyword('table');
            const table = cursor.expectName('a table name');
            cursor.expectPunct('(');
            const columns: { name: string; type: KustoType }[] = [];
            do {
                const name = cursor.expectName('a column name');
                cursor.expectPunct(':');
                const typeName = cursor.expectName('a column type');
                const type = toKustoType(typeName);
                if (!type)
                    throw kustoErrors.badRequest(`Column '${name}' has the unknown or unsupported type '${typeName}'.`);
                columns.push({ name, type });
            } while (cursor.acceptPunct(','));
            cursor.expectPunct(')');
            return { kind: 'createMergeTable', table, columns };
        }
        case 'create-or-alter': {
            cursor.expectKeyword('table');
            const table = cursor.expectName('a table name');
            cursor.expectKeyword('ingestion');
            if (!cursor.acceptKeyword('json')) unsupported(csl);
            cursor.expectKeyword('mapping');
            const mapping = cursor.expectNameOrString('a mapping name');
            const text = cursor.expectString('the mapping');
            return { kind: 'createOrAlterMapping', table, mapping, text };
        }
        case 'create':
            return parseCreateView(cursor, csl);
        case 'add': {
            cursor.expectKeyword('database');
            const database = cursor.expectName('a database name');
            const roleToken = cursor.next();
            const role = roleToken?.kind === 'name' ? roleKeywords[roleToken.text.toLowerCase()] : undefined;
            if (!role) unsupported(csl);
            cursor.expectPunct('(');
            const fqns = [cursor.expectString('a principal')];
            while (cursor.acceptPunct(',')) fqns.push(cursor.expectString('a principal'));
            cursor.expectPunct(')');
            const notes = cursor.peek()?.kind === 'string' ? cursor.expectString('notes') : '';
            return { kind: 'addPrincipals', database, role, fqns, notes };
        }
        case 'show':
            return parseShow(cursor, csl);
        default:
            return unsupported(csl);
    }
}

function parseShow(cursor: CslCursor, csl: string): ManagementCommand {
    if (cursor.acceptKeyword('tables')) return { kind: 'showTables' };
    if (cursor.acceptKeyword('materialized-views')) return { kind: 'showMaterializedViews' };
    if (cursor.acceptKeyword('materialized-view')) {
        return { kind: 'showMaterializedViews', view: cursor.expectName('a materialized view name') };
    }
    if (cursor.acceptKeyword('database')) {
        const database = cursor.expectName('a database name');
        cursor.expectKeyword('principals');
        return { kind: 'showPrincipals', database };
    }
    if (!cursor.acceptKeyword('table')) unsupported(csl);
    const table = cursor.expectName('a table name');
    if (cursor.acceptKeyword('cslschema')) return { kind: 'showTableSchema', table, format: 'csl' };
    if (cursor.acceptKeyword('schema')) {
        cursor.expectKeyword('as');
        cursor.expectKeyword('json');
        return { kind: 'showTableSchema', table, format: 'json' };
    }
    if (cursor.acceptKeyword('ingestion')) {
        const json = cursor.acceptKeyword('json');
        if (json && cursor.acceptKeyword('mapping')) {
            return { kind: 'showMappings', table, mapping: cursor.expectNameOrString('a mapping name') };
        }
        cursor.expectKeyword('mappings');
        return { kind: 'showMappings', table };
    }
    return unsupported(csl);
}

/**
 * `.create [ifnotexists] materialized-view [with (backfill=true|false, lookback=<timespan>)] V on table T
 * { T | summarize take_any(*) by Key }`: the deduplicating view of the research notes, and no other query.
 */
function parseCreateView(cursor: CslCursor, csl: string): ManagementCommand {
    const async = cursor.acceptKeyword('async');
    const ifNotExists = cursor.acceptKeyword('ifnotexists');
    if (!cursor.acceptKeyword('materialized-view')) unsupported(csl);
    let backfill = false;
    let lookback: string | undefined;
    if (cursor.acceptKeyword('with')) {
        cursor.expectPunct('(');
        do {
            const property = cursor.expectName('a property name').toLowerCase();
            cursor.expectPunct('=');
            if (property === 'backfill') {
                if (cursor.acceptKeyword('true')) backfill = true;
                else if (cursor.acceptKeyword('false')) backfill = false;
                else cursor.fail('true or false');
            } else if (property === 'lookback') {
                lookback = readTimespan(cursor);
            } else {
                throw kustoErrors.badRequest(
                    `The materialized-view property '${property}' is not supported by the Kusto emulator (backfill, lookback are).`,
                );
            }
        } while (cursor.acceptPunct(','));
        cursor.expectPunct(')');
    }
    if (backfill && !async) {
        // Documented: "When you're using this option, the create command must be async."
        throw kustoErrors.badRequest(
            'A materialized view created with backfill=true needs `.create async materialized-view`.',
        );
    }
    const view = cursor.expectName('a materialized view name');
    cursor.expectKeyword('on');
    cursor.expectKeyword('table');
    const sourceTable = cursor.expectName('the source table name');
    const open = cursor.peek();
    cursor.expectPunct('{');
    const inner = cursor.expectName('the source table name');
    if (inner !== sourceTable) {
        throw kustoErrors.badRequest(`The view query must read its source table '${sourceTable}', not '${inner}'.`);
    }
    cursor.expectPunct('|');
    cursor.expectKeyword('summarize');
    cursor.expectKeyword('take_any');
    cursor.expectPunct('(');
    cursor.expectPunct('*');
    cursor.expectPunct(')');
    cursor.expectKeyword('by');
    const key = cursor.expectName('the deduplication column');
    const close = cursor.peek();
    cursor.expectPunct('}');
    const query = csl.slice((open?.at ?? 0) + 1, close?.at ?? csl.length).trim();
    return {
        kind: 'createMaterializedView',
        async,
        ifNotExists,
        view,
        sourceTable,
        key,
        query,
        backfill,
        ...(lookback ? { lookback } : {}),
    };
}

function readTimespan(cursor: CslCursor): string {
    const amount = cursor.next();
    const unit = cursor.next();
    if (amount?.kind !== 'number' || unit?.kind !== 'name' || !/^(d|h|m|s)$/i.test(unit.text)) {
        throw kustoErrors.syntaxError('lookback expects a timespan such as 6h or 1d');
    }
    return `${amount.text}${unit.text.toLowerCase()}`;
}
