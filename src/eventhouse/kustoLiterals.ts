const escapes: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Kusto's quoting for names and string literals, so a name that is a KQL keyword, or holds a space, a dot or a quote,
 * cannot change a command or a query. https://learn.microsoft.com/kusto/query/schema-entities/entity-names
 */
export function kustoName(name: string): string {
    return `[${kustoString(name)}]`;
}

/** A single-quoted string literal with `\` and `'` escaped (and line breaks, which a literal cannot hold). */
export function kustoString(value: string): string {
    return `'${value.replace(/[\\'\n\r\t]/g, (char) => escapes[char] ?? char)}'`;
}
