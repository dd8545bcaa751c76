import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * Expands a package.json `main` glob the way the Node worker's globby call does for the patterns
 * function apps use: `{a,b}` alternatives (nestable), `*` and `?` within a path segment, and `**`
 * for any number of directories. Returns paths relative to `root` with `/` separators, sorted;
 * directories never match, and entries under `node_modules` are skipped by `**`.
 */
export function expandGlob(root: string, pattern: string): string[] {
    const matches = new Set<string>();
    for (const alternative of expandBraces(pattern.replace(/\\/g, '/').replace(/^\.\//, ''))) {
        const segments = posix
            .normalize(alternative)
            .split('/')
            .filter((s) => s !== '' && s !== '.');
        walk(root, '', segments, matches);
    }
    return [...matches].sort();
}

export function expandBraces(pattern: string): string[] {
    const open = pattern.indexOf('{');
    if (open < 0) {
        return [pattern];
    }
    let depth = 0;
    const commas: number[] = [];
    for (let i = open; i < pattern.length; i++) {
        const char = pattern[i];
        if (char === '{') {
            depth++;
        } else if (char === '}') {
            depth--;
            if (depth === 0) {
                const head = pattern.slice(0, open);
                const tail = pattern.slice(i + 1);
                const bounds = [open, ...commas, i];
                const options = bounds.slice(1).map((end, k) => pattern.slice(bounds[k]! + 1, end));
                return options.flatMap((option) => expandBraces(head + option + tail));
            }
        } else if (char === ',' && depth === 1) {
            commas.push(i);
        }
    }
    // An unbalanced brace is a literal character, as in globby.
    return [pattern];
}

function walk(root: string, relative: string, segments: string[], matches: Set<string>): void {
    const [segment, ...rest] = segments;
    if (segment === undefined) {
        return;
    }
    const directory = join(root, relative);
    let entries;
    try {
        entries = readdirSync(directory, { withFileTypes: true });
    } catch {
        return;
    }
    if (segment === '**') {
        // `**` matches zero directories ...
        walk(root, relative, rest, matches);
        // ... or one more, keeping `**` for the levels below.
        for (const entry of entries) {
            if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) {
                walk(root, posix.join(relative, entry.name), segments, matches);
            }
        }
        return;
    }
    const matcher = segmentMatcher(segment);
    for (const entry of entries) {
        if (!matcher.test(entry.name)) {
            continue;
        }
        const path = posix.join(relative, entry.name);
        if (rest.length === 0) {
            if (entry.isFile()) {
                matches.add(path);
            }
        } else if (entry.isDirectory()) {
            walk(root, path, rest, matches);
        }
    }
}

function segmentMatcher(segment: string): RegExp {
    let source = '';
    for (const char of segment) {
        if (char === '*') {
            source += '[^/]*';
        } else if (char === '?') {
            source += '[^/]';
        } else {
            source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        }
    }
    // Like globby, wildcards do not match dot files unless the pattern starts with a dot.
    const dotGuard = segment.startsWith('.') ? '' : '(?!\\.)';
    return new RegExp(`^${dotGuard}${source}$`);
}
