export type PathSegment = string | number;

/**
 * Parses the JSONPath subset of ingestion mappings: `$`, then `.name`, `['name']` / `["name"]` or `[index]` segments.
 * Returns undefined for anything else (filters, wildcards, recursive descent).
 */
export function parseJsonPath(path: string): PathSegment[] | undefined {
    if (!path.startsWith('$')) return undefined;
    const segments: PathSegment[] = [];
    let rest = path.slice(1);
    while (rest.length > 0) {
        const dotted = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
        const quoted = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]|^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest);
        const index = /^\[\s*(\d+)\s*\]/.exec(rest);
        if (dotted?.[1]) {
            segments.push(dotted[1]);
            rest = rest.slice(dotted[0].length);
        } else if (quoted) {
            segments.push((quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1'));
            rest = rest.slice(quoted[0].length);
        } else if (index?.[1]) {
            segments.push(Number(index[1]));
            rest = rest.slice(index[0].length);
        } else {
            return undefined;
        }
    }
    return segments;
}

/** The value at a parsed path, or undefined when the record has nothing there. */
export function valueAt(record: unknown, segments: PathSegment[]): unknown {
    let current: unknown = record;
    for (const segment of segments) {
        if (current === null || typeof current !== 'object') return undefined;
        if (typeof segment === 'number') {
            if (!Array.isArray(current)) return undefined;
            current = current[segment];
        } else {
            if (Array.isArray(current) || !Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
            current = (current as Record<string, unknown>)[segment];
        }
    }
    return current;
}
