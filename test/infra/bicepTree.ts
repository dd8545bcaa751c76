import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Parser from 'tree-sitter';
import Bicep from 'tree-sitter-bicep';

/**
 * Offline Bicep checks: a real Bicep grammar (tree-sitter-bicep, loaded from its prebuilt binary) parses
 * the files, and small helpers read declarations and object literals from the trees. No compiler, no type
 * checks, no module resolution: those need `az bicep build` (see infra/README.md).
 */
export type Node = Parser.SyntaxNode;

export const repoRoot = path.resolve(__dirname, '../..');
export const infraDir = path.join(repoRoot, 'infra');

const parser = new Parser();
parser.setLanguage(Bicep as unknown as Parser.Language);

export interface BicepFile {
    /** Path relative to the repository root, with forward slashes. */
    rel: string;
    abs: string;
    text: string;
    root: Node;
}

export function parseBicep(text: string): Node {
    return parser.parse(text).rootNode;
}

export function loadBicep(relPath: string): BicepFile {
    const abs = path.join(repoRoot, relPath);
    const text = readFileSync(abs, 'utf8');
    return { rel: relPath.split(path.sep).join('/'), abs, text, root: parseBicep(text) };
}

export function listBicepFiles(dir: string = infraDir): string[] {
    const found: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) found.push(...listBicepFiles(full));
        else if (entry.name.endsWith('.bicep')) found.push(path.relative(repoRoot, full).split(path.sep).join('/'));
    }
    return found.sort();
}

/** Every ERROR or MISSING node as `file:line:column kind near "text"` (1-based lines and columns). */
export function syntaxProblems(root: Node, file: string): string[] {
    const problems: string[] = [];
    const visit = (node: Node): void => {
        if (node.type === 'ERROR' || node.isMissing) {
            const { row, column } = node.startPosition;
            const kind = node.isMissing ? `MISSING ${node.type}` : 'ERROR';
            const near = node.text.split('\n')[0]?.slice(0, 60) ?? '';
            problems.push(`${file}:${row + 1}:${column + 1} ${kind} near "${near}"`);
            if (node.type === 'ERROR') return; // one report per broken region
        }
        if (!node.hasError && !node.isMissing) return;
        for (const child of node.children) visit(child);
    };
    visit(root);
    if (problems.length === 0 && root.hasError)
        problems.push(`${file}: the parse tree reports an error that no node names`);
    return problems;
}

const isComment = (node: Node): boolean => node.type === 'comment' || node.type === 'diagnostic_comment';

export function namedChildren(node: Node): Node[] {
    return node.namedChildren.filter((child) => !isComment(child));
}

/** The text of a plain string literal (no interpolation), or undefined. */
export function stringLiteral(node: Node | undefined): string | undefined {
    if (!node || node.type !== 'string') return undefined;
    const parts = namedChildren(node);
    if (parts.some((part) => part.type !== 'string_content' && part.type !== 'escape_sequence')) return undefined;
    if (node.text.startsWith("'''")) return node.text.slice(3, -3).replace(/^\r?\n/, '');
    return node.text.slice(1, -1).replace(/\\'/g, "'").replace(/\\\\/g, '\\');
}

export interface Declaration {
    kind: 'param' | 'var' | 'resource' | 'module' | 'output';
    name: string;
    node: Node;
    /** Resource type or module path, for resources and modules. */
    target?: string;
    /** The value (var, output, param default) or the body (resource, module: object, if_statement or for_statement). */
    value?: Node;
    decorators: Node[];
}

const declarationKinds: Record<string, Declaration['kind']> = {
    parameter_declaration: 'param',
    variable_declaration: 'var',
    resource_declaration: 'resource',
    module_declaration: 'module',
    output_declaration: 'output',
};

export function declarations(root: Node): Declaration[] {
    const result: Declaration[] = [];
    let pendingDecorators: Node[] = [];
    for (const node of namedChildren(root)) {
        if (node.type === 'decorators') {
            pendingDecorators = namedChildren(node);
            continue;
        }
        const kind = declarationKinds[node.type];
        if (!kind) {
            pendingDecorators = [];
            continue;
        }
        const parts = namedChildren(node);
        const name = parts[0]?.text ?? '';
        const declaration: Declaration = { kind, name, node, decorators: pendingDecorators };
        pendingDecorators = [];
        if (kind === 'resource' || kind === 'module') {
            declaration.target = stringLiteral(parts[1]);
            declaration.value = parts.find(
                (part, index) => index > 1 && ['object', 'if_statement', 'for_statement'].includes(part.type),
            );
        } else if (kind === 'param') {
            declaration.value = parts.find((part, index) => index > 0 && part.type !== 'type');
        } else {
            declaration.value = parts[parts.length - 1];
        }
        result.push(declaration);
    }
    return result;
}

export function find(root: Node, kind: Declaration['kind'], name: string): Declaration {
    const found = declarations(root).find((d) => d.kind === kind && d.name === name);
    if (!found) throw new Error(`no ${kind} named ${name}`);
    return found;
}

/** The object literal of a resource or module body (`= {...}`, `= if (...) {...}`, `= [for ...: {...}]`). */
export function bodyObject(declaration: Declaration): Node | undefined {
    const body = declaration.value;
    if (!body) return undefined;
    if (body.type === 'object') return body;
    return namedChildren(body).find((child) => child.type === 'object');
}

/** The condition text of `= if (...) {...}`, or undefined when unconditional. */
export function condition(declaration: Declaration): string | undefined {
    const body = declaration.value;
    if (body?.type !== 'if_statement') return undefined;
    return namedChildren(body)[0]?.text;
}

function propertyKey(property: Node): string {
    const key = namedChildren(property)[0];
    if (!key) return '';
    return stringLiteral(key) ?? key.text;
}

/** Key -> value node of an object literal. */
export function properties(object: Node | undefined): Map<string, Node> {
    const map = new Map<string, Node>();
    if (!object || object.type !== 'object') return map;
    for (const property of namedChildren(object)) {
        if (property.type !== 'object_property') continue;
        const value = namedChildren(property)[1];
        if (value) map.set(propertyKey(property), value);
    }
    return map;
}

/** Follows `a.b.c` through nested object literals. */
export function property(object: Node | undefined, dottedPath: string): Node | undefined {
    let current = object;
    for (const key of dottedPath.split('.')) {
        current = properties(current).get(key);
        if (!current) return undefined;
    }
    return current;
}

export function declarationsOf(root: Node, kind: Declaration['kind']): Declaration[] {
    return declarations(root).filter((d) => d.kind === kind);
}

/** Resources whose type (without the API version) equals `type`, case-insensitively. */
export function resourcesOfType(root: Node, type: string): Declaration[] {
    return declarationsOf(root, 'resource').filter(
        (d) => d.target?.split('@')[0]?.toLowerCase() === type.toLowerCase(),
    );
}

export interface ObjectKey {
    key: string;
    value: Node;
    /** True when the key is only present under a condition (a ternary branch). */
    conditional: boolean;
}

/**
 * The keys an object-valued expression can have, resolving variables declared in the same file, `union(...)`
 * and ternaries (keys from a ternary branch are marked conditional).
 */
export function objectKeys(root: Node, expression: Node, conditional = false, seen = new Set<string>()): ObjectKey[] {
    switch (expression.type) {
        case 'object':
            return [...properties(expression)].map(([key, value]) => ({ key, value, conditional }));
        case 'identifier': {
            const name = expression.text;
            if (seen.has(name)) return [];
            seen.add(name);
            const variable = declarations(root).find((d) => d.kind === 'var' && d.name === name);
            if (!variable?.value) return [];
            return objectKeys(root, variable.value, conditional, seen);
        }
        case 'parenthesized_expression': {
            const inner = namedChildren(expression)[0];
            return inner ? objectKeys(root, inner, conditional, seen) : [];
        }
        case 'call_expression': {
            const fn = expression.childForFieldName('function')?.text;
            const args = expression.childForFieldName('arguments');
            if (fn !== 'union' || !args) return [];
            return namedChildren(args).flatMap((arg) => objectKeys(root, arg, conditional, seen));
        }
        case 'ternary_expression': {
            const branches = [expression.childForFieldName('consequence'), expression.childForFieldName('alternative')];
            return branches.flatMap((branch) => (branch ? objectKeys(root, branch, true, seen) : []));
        }
        default:
            return [];
    }
}

/** The value of `@name(...)` among a declaration's decorators, as its argument node. */
export function decoratorArgument(declaration: Declaration, name: string): Node | undefined {
    for (const decorator of declaration.decorators) {
        const call = namedChildren(decorator)[0];
        if (call?.type !== 'call_expression' || call.childForFieldName('function')?.text !== name) continue;
        return namedChildren(call.childForFieldName('arguments') ?? call)[0];
    }
    return undefined;
}

/** Every node of the given types below `node`. */
export function descendants(node: Node, ...types: string[]): Node[] {
    return node.descendantsOfType(types);
}

/**
 * The app settings of the function app: the keys of the `properties` of the `appsettings` entry of
 * `configs` in api.bicep's site module.
 */
export function functionAppSettings(apiRoot: Node): ObjectKey[] {
    return objectKeys(apiRoot, appSettingsConfig(apiRoot, 'properties'));
}

/** A property of the `appsettings` entry of the site module's `configs`. */
export function appSettingsConfig(apiRoot: Node, key: string): Node {
    const site = declarations(apiRoot).find(
        (d) => d.kind === 'module' && d.target?.startsWith('br/public:avm/res/web/site:'),
    );
    const configs = property(property(site && bodyObject(site), 'params'), 'configs');
    const entry = configs?.namedChildren.find(
        (config) => config.type === 'object' && stringLiteral(property(config, 'name')) === 'appsettings',
    );
    const value = property(entry, key);
    if (!value) throw new Error(`api.bicep: the site module's appsettings config sets no ${key}`);
    return value;
}
