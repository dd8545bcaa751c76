import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandBraces, expandGlob } from '../../local/host/expandGlob';

describe('expandGlob', () => {
    let root: string;

    beforeAll(() => {
        root = mkdtempSync(join(tmpdir(), 'expand-glob-'));
        for (const file of [
            'dist/src/index.js',
            'dist/src/index.js.map',
            'dist/src/functions/pushRows.js',
            'dist/src/functions/ingest.js',
            'dist/src/functions/ingest.js.map',
            'dist/src/functions/.hidden.js',
            'dist/src/functions/nested/deep.js',
            'dist/src/lib/util.js',
            'node_modules/x/index.js',
        ]) {
            mkdirSync(dirname(join(root, file)), { recursive: true });
            writeFileSync(join(root, file), '');
        }
        mkdirSync(join(root, 'dist/src/functions/dir.js'), { recursive: true });
    });

    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('expands the quickstart main glob', () => {
        expect(expandGlob(root, 'dist/src/{index.js,functions/*.js}')).toEqual([
            'dist/src/functions/ingest.js',
            'dist/src/functions/pushRows.js',
            'dist/src/index.js',
        ]);
    });

    it('accepts a plain path and a leading ./', () => {
        expect(expandGlob(root, './dist/src/index.js')).toEqual(['dist/src/index.js']);
    });

    it('matches any depth with ** but skips node_modules', () => {
        expect(expandGlob(root, '**/deep.js')).toEqual(['dist/src/functions/nested/deep.js']);
        expect(expandGlob(root, '**/index.js')).toEqual(['dist/src/index.js']);
    });

    it('supports ? and returns nothing for no match', () => {
        expect(expandGlob(root, 'dist/src/lib/u?il.js')).toEqual(['dist/src/lib/util.js']);
        expect(expandGlob(root, 'dist/missing/*.js')).toEqual([]);
    });

    it('expands nested braces', () => {
        expect(expandBraces('a/{b,c/{d,e}}.js')).toEqual(['a/b.js', 'a/c/d.js', 'a/c/e.js']);
        expect(expandBraces('no-braces')).toEqual(['no-braces']);
        expect(expandBraces('broken{a,b')).toEqual(['broken{a,b']);
    });
});
