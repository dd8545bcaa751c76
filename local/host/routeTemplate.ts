/**
 * HTTP trigger route templates as the Functions host (ASP.NET Core routing) reads them:
 * literal segments (case-insensitive), `{name}`, optional `{name?}`, defaults `{name=value}`,
 * constraints `{name:int}` (int, long, bool, guid, alpha, double, decimal, float) and a final
 * catch-all `{*name}`.
 */

type Segment =
    | { kind: 'literal'; text: string }
    | { kind: 'parameter'; name: string; optional: boolean; defaultValue?: string; constraint?: RegExp }
    | { kind: 'catchAll'; name: string };

const constraints: Record<string, RegExp> = {
    int: /^-?\d+$/,
    long: /^-?\d+$/,
    bool: /^(true|false)$/i,
    guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
    alpha: /^[a-z]+$/i,
    double: /^-?\d+(\.\d+)?$/,
    decimal: /^-?\d+(\.\d+)?$/,
    float: /^-?\d+(\.\d+)?$/,
};

export class RouteTemplate {
    readonly template: string;
    readonly #segments: Segment[];

    constructor(template: string) {
        this.template = template;
        this.#segments = template
            .split('/')
            .filter((s) => s !== '')
            .map((s, i, all) => parseSegment(template, s, i === all.length - 1));
    }

    /** Route parameters when `path` (without prefix and query, not yet URL-decoded) matches, else undefined. */
    match(path: string): Record<string, string> | undefined {
        const parts = path.split('/').filter((s) => s !== '');
        const params: Record<string, string> = {};
        for (let i = 0; i < this.#segments.length; i++) {
            const segment = this.#segments[i]!;
            const part = parts[i];
            if (segment.kind === 'catchAll') {
                const rest = parts.slice(i).map(safeDecode).join('/');
                if (rest !== '') {
                    params[segment.name] = rest;
                }
                return params;
            }
            if (part === undefined) {
                if (segment.kind === 'parameter' && (segment.optional || segment.defaultValue !== undefined)) {
                    if (segment.defaultValue !== undefined) {
                        params[segment.name] = segment.defaultValue;
                    }
                    continue;
                }
                return undefined;
            }
            const value = safeDecode(part);
            if (segment.kind === 'literal') {
                if (value.toLowerCase() !== segment.text.toLowerCase()) {
                    return undefined;
                }
            } else {
                if (segment.constraint && !segment.constraint.test(value)) {
                    return undefined;
                }
                params[segment.name] = value;
            }
        }
        return parts.length <= this.#segments.length ? params : undefined;
    }

    /**
     * Sort key so more specific routes win, as ASP.NET's route precedence does: literal segments
     * before parameters, constrained before unconstrained, catch-all last.
     */
    get precedence(): number[] {
        return this.#segments.map((s) => (s.kind === 'literal' ? 0 : s.kind === 'catchAll' ? 3 : s.constraint ? 1 : 2));
    }
}

export function compareRoutePrecedence(a: RouteTemplate, b: RouteTemplate): number {
    const pa = a.precedence;
    const pb = b.precedence;
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
        if (pa[i] !== pb[i]) {
            return pa[i]! - pb[i]!;
        }
    }
    return pb.length - pa.length;
}

function parseSegment(template: string, text: string, isLast: boolean): Segment {
    if (!text.startsWith('{')) {
        if (text.includes('{') || text.includes('}')) {
            throw new Error(
                `Route template "${template}": mixed literal and parameter segments ("${text}") are not supported.`,
            );
        }
        return { kind: 'literal', text };
    }
    if (!text.endsWith('}')) {
        throw new Error(`Route template "${template}": unterminated parameter "${text}".`);
    }
    let body = text.slice(1, -1);
    if (body.startsWith('*')) {
        if (!isLast) {
            throw new Error(`Route template "${template}": a catch-all parameter must be the last segment.`);
        }
        return { kind: 'catchAll', name: body.replace(/^\*+/, '') };
    }
    let defaultValue: string | undefined;
    const equals = body.indexOf('=');
    if (equals >= 0) {
        defaultValue = body.slice(equals + 1);
        body = body.slice(0, equals);
    }
    const optional = body.endsWith('?');
    if (optional) {
        body = body.slice(0, -1);
    }
    const [name, ...constraintNames] = body.split(':');
    if (!name) {
        throw new Error(`Route template "${template}": parameter without a name in "${text}".`);
    }
    const constraintName = constraintNames[0]?.replace(/\(.*\)$/, '').toLowerCase();
    return {
        kind: 'parameter',
        name,
        optional,
        defaultValue,
        constraint: constraintName ? constraints[constraintName] : undefined,
    };
}

function safeDecode(part: string): string {
    try {
        return decodeURIComponent(part);
    } catch {
        return part;
    }
}
