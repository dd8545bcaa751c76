import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

function sourceFiles(folder: string): string[] {
    return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
        .map((file) => join(root, folder, file));
}

/** The relative imports of a file (static imports, re-exports and import types), resolved to paths under the repo. */
function importsOf(file: string): string[] {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    return importedFiles
        .map((entry) => entry.fileName)
        .filter((name) => name.startsWith('.'))
        .map((name) => relative(root, resolve(dirname(file), name)));
}

/** Folder-to-folder edges under src/: `push -> queue` when a file in src/push imports one in src/queue. */
function folderGraph(): Map<string, Set<string>> {
    const graph = new Map<string, Set<string>>();
    for (const file of sourceFiles('src')) {
        const from = relative(join(root, 'src'), file).split(sep)[0]!;
        for (const target of importsOf(file)) {
            const parts = target.split(sep);
            if (parts[0] !== 'src' || parts.length < 3) continue;
            const to = parts[1]!;
            if (to === from) continue;
            if (!graph.has(from)) graph.set(from, new Set());
            graph.get(from)!.add(to);
        }
    }
    return graph;
}

/** Every cycle of folders, each as a path that ends where it starts (depth-first search). */
function cyclesOf(graph: Map<string, Set<string>>): string[][] {
    const cycles: string[][] = [];
    const seen = new Set<string>();
    const visit = (node: string, path: string[]) => {
        const at = path.indexOf(node);
        if (at >= 0) {
            cycles.push([...path.slice(at), node]);
            return;
        }
        if (seen.has(node)) return;
        for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
        seen.add(node);
    };
    for (const node of graph.keys()) visit(node, []);
    return cycles;
}

/** `file -> target` for every import of a file in `folder` that reaches into `other`. */
const crossing = (folder: string, other: string) =>
    sourceFiles(folder).flatMap((file) =>
        importsOf(file)
            .filter((target) => target.split(sep)[0] === other)
            .map((target) => `${relative(root, file)} -> ${target}`),
    );

describe('the folders of the code', () => {
    it('under src/ import each other without a cycle', () => {
        const graph = folderGraph();
        expect(graph.size).toBeGreaterThan(5);
        expect(cyclesOf(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
    });

    it('finds a cycle when there is one (the check itself)', () => {
        const graph = new Map([
            ['ingest', new Set(['queue'])],
            ['queue', new Set(['storage', 'ingest'])],
        ]);
        expect(cyclesOf(graph).map((cycle) => cycle.join(' -> '))).toEqual(['ingest -> queue -> ingest']);
    });

    it('keep the emulator and the app apart: neither imports the other', () => {
        expect(crossing('src', 'emulator')).toEqual([]);
        expect(crossing('emulator', 'src')).toEqual([]);
    });

    it('keep the Kusto emulator and the app apart; the Kusto emulator may reuse the Power BI emulator, not the reverse', () => {
        expect(crossing('src', 'kusto-emulator')).toEqual([]);
        expect(crossing('kusto-emulator', 'src')).toEqual([]);
        expect(crossing('emulator', 'kusto-emulator')).toEqual([]);
        // It reuses the token verification (the check sees imports across folders).
        expect(crossing('kusto-emulator', 'emulator')).toContain(
            'kusto-emulator/auth/authenticateKusto.ts -> emulator/auth/accessToken',
        );
    });

    it('keep config at the bottom: it imports no other folder of the app but schedule', () => {
        expect([...(folderGraph().get('config') ?? [])].filter((folder) => folder !== 'schedule')).toEqual([]);
    });
});
