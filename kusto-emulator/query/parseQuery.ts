import { CslCursor } from '../commands/CslCursor';
import { tokenizeCsl } from '../commands/tokenizeCsl';
import { kustoErrors } from '../errors/kustoErrors';

export type Literal = string | number | boolean;

export type QueryOperator =
    | { kind: 'where'; column: string; op: '==' | '!=' | '>' | '>=' | '<' | '<='; value: Literal }
    | { kind: 'whereStartsWith'; column: string; prefix: string }
    | { kind: 'whereIn'; column: string; values: Literal[] }
    | { kind: 'count' }
    | { kind: 'summarizeCount'; by: string };

export interface ParsedQuery {
    source: { kind: 'entity'; name: string } | { kind: 'materializedView'; name: string };
    operators: QueryOperator[];
}

/**
 * Parses the emulator's KQL subset: a table or materialized view (`T`, `['T']`, `materialized_view("V")`) followed by
 * any of `| where C == <literal>` (also !=, <, <=, >, >=), `| where C startswith "s"`, `| where C in (<literals>)`,
 * `| summarize count() by C` and `| count`. Anything else is a 400 syntax error that says it is outside the subset.
 */
export function parseQuery(csl: string): ParsedQuery {
    const cursor = new CslCursor(tokenizeCsl(csl), 'KQL');
    let source: ParsedQuery['source'];
    if (cursor.acceptKeyword('materialized_view')) {
        cursor.expectPunct('(');
        source = { kind: 'materializedView', name: cursor.expectString('a view name') };
        cursor.expectPunct(')');
    } else {
        source = { kind: 'entity', name: cursor.expectName('a table name') };
    }
    const operators: QueryOperator[] = [];
    while (cursor.acceptPunct('|')) {
        if (cursor.acceptKeyword('count')) {
            operators.push({ kind: 'count' });
        } else if (cursor.acceptKeyword('where')) {
            operators.push(parseWhere(cursor));
        } else if (cursor.acceptKeyword('summarize')) {
            cursor.expectKeyword('count');
            cursor.expectPunct('(');
            cursor.expectPunct(')');
            cursor.expectKeyword('by');
            operators.push({ kind: 'summarizeCount', by: cursor.expectName('a column name') });
        } else {
            cursor.fail("'where', 'summarize count() by' or 'count'");
        }
    }
    cursor.expectEnd();
    return { source, operators };
}

function parseWhere(cursor: CslCursor): QueryOperator {
    const column = cursor.expectName('a column name');
    if (cursor.acceptKeyword('startswith'))
        return { kind: 'whereStartsWith', column, prefix: cursor.expectString('a prefix') };
    if (cursor.acceptKeyword('in')) {
        cursor.expectPunct('(');
        const values: Literal[] = [readLiteral(cursor)];
        while (cursor.acceptPunct(',')) values.push(readLiteral(cursor));
        cursor.expectPunct(')');
        return { kind: 'whereIn', column, values };
    }
    const token = cursor.next();
    const ops = ['==', '!=', '>', '>=', '<', '<='] as const;
    const op = ops.find((candidate) => token?.kind === 'punct' && token.text === candidate);
    if (!op) throw kustoErrors.syntaxError(`expected ==, !=, <, <=, >, >=, startswith or in after '${column}'`);
    return { kind: 'where', column, op, value: readLiteral(cursor) };
}

function readLiteral(cursor: CslCursor): Literal {
    const token = cursor.next();
    if (token?.kind === 'string') return token.text;
    if (token?.kind === 'number') return token.value;
    if (token?.kind === 'name' && !token.quoted && ['true', 'false'].includes(token.text.toLowerCase())) {
        return token.text.toLowerCase() === 'true';
    }
    throw kustoErrors.syntaxError('expected a string, number or boolean literal');
}
