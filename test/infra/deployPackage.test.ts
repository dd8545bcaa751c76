import { spawnSync } from 'node:child_process';
import {
    existsSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    realpathSync,
    rmSync,
    symlinkSync,
    unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ignore from 'ignore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './bicepTree';
import { deployPackageFiles, isPackaged, linkPackages, productionPackages, stageDeployPackage } from './deployPackage';
import globby from 'globby';

/**
 * The package `azd deploy` uploads (remoteBuild: true) is built where Azure builds it: the files azd zips
 * (everything but .funcignore's patterns), with node_modules linked in as `npm install` would leave it, and
 * the same `npm run build` that the remote build runs. Then the app must load from what that build wrote,
 * with production dependencies only and none of the local tooling.
 */
const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    main: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
};

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
    const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
    return {
        status: result.status,
        stdout: result.stdout,
        output: `${result.stdout}${result.stderr}${result.error?.message ?? ''}`,
    };
}

describe('the deployment package (azd packaging + remote build, offline)', () => {
    let stage: string;
    let files: string[];
    let build: ReturnType<typeof run>;

    beforeAll(() => {
        stage = realpathSync(mkdtempSync(path.join(tmpdir(), 'pbi-relay-package-')));
        files = stageDeployPackage(repoRoot, stage);
        // The installed node_modules, linked as a whole (the build needs its .bin/tsc), not a new install.
        symlinkSync(path.join(repoRoot, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
        build = run('npm', ['run', 'build'], stage);
    });

    afterAll(() => {
        if (stage) rmSync(stage, { recursive: true, force: true });
    });

    it('leaves out the local tooling, tests, infra and anything built or installed locally', () => {
        const topLevel = new Set(files.map((file) => file.split('/')[0]));
        for (const folder of [
            'emulator',
            'kusto-emulator',
            'local',
            'scripts',
            'test',
            'infra',
            'dist',
            'node_modules',
            '.ci',
        ])
            expect(topLevel.has(folder), `${folder}/ is in the package`).toBe(false);
        for (const file of ['package.json', 'package-lock.json', 'host.json', 'tsconfig.json', 'pbi-relay.config.json'])
            expect(files, `${file} is missing from the package`).toContain(file);
        expect(files.some((file) => file.startsWith('src/functions/'))).toBe(true);
    });

    it('builds with `npm run build`, as the remote build runs it', () => {
        expect(build.status, build.output).toBe(0);
        // The build compiles the app only: no output for the tooling that the package does not hold.
        expect(readdirSync(path.join(stage, 'dist'))).toEqual(['src']);
    });

    it('has every file that package.json `main` names', () => {
        const entryFiles = globby.sync(packageJson.main, { cwd: stage }).sort();
        expect(entryFiles).toContain('dist/src/index.js');
        const functionSources = readdirSync(path.join(repoRoot, 'src/functions')).filter((f) => f.endsWith('.ts'));
        expect(entryFiles.filter((file) => file.startsWith('dist/src/functions/'))).toEqual(
            functionSources.map((f) => `dist/src/functions/${f.replace(/\.ts$/, '.js')}`).sort(),
        );
        for (const file of entryFiles) expect(existsSync(path.join(stage, file)), file).toBe(true);
    });

    it('loads its entry files with production dependencies only, as the Functions worker does', () => {
        expect(build.status, build.output).toBe(0);
        unlinkSync(path.join(stage, 'node_modules'));
        const production = productionPackages(repoRoot);
        for (const name of Object.keys(packageJson.dependencies)) expect(production).toContain(name);
        // A devDependency that a production package depends on too (@azure/monitor-opentelemetry's tree needs
        // @types/node and yaml) is rightly in the production set.
        const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
            packages: Record<string, { dev?: boolean; dependencies?: Record<string, string> }>;
        };
        const alsoProduction = new Set(
            Object.entries(lock.packages)
                .filter(([key, entry]) => key !== '' && entry.dev !== true)
                .flatMap(([, entry]) => Object.keys(entry.dependencies ?? {})),
        );
        for (const name of Object.keys(packageJson.devDependencies).filter((n) => !alsoProduction.has(n)))
            expect(production).not.toContain(name);
        linkPackages(repoRoot, stage, production);

        const settings = (
            JSON.parse(readFileSync(path.join(repoRoot, 'local.settings.sample.json'), 'utf8')) as {
                Values: Record<string, string>;
            }
        ).Values;
        const entryFiles = globby.sync(packageJson.main, { cwd: stage });
        // --preserve-symlinks: resolve dependencies through the linked node_modules, so that a package
        // outside the production set cannot be found next to the real files.
        const loader = [
            "const path = require('node:path');",
            'for (const file of JSON.parse(process.env.ENTRY_FILES)) require(path.join(process.cwd(), file));',
            'const loaded = Object.keys(require.cache);',
            'const outside = loaded.filter((file) => !file.startsWith(process.cwd() + path.sep));',
            'process.stdout.write("\\n" + JSON.stringify({ loaded: loaded.length, outside }));',
        ].join('\n');
        const child = run(process.execPath, ['--preserve-symlinks', '-e', loader], stage, {
            PATH: process.env.PATH,
            ...settings,
            ENTRY_FILES: JSON.stringify(entryFiles),
        });
        expect(child.status, child.output).toBe(0);
        const report = JSON.parse(child.stdout.trim().split('\n').pop()!) as { loaded: number; outside: string[] };
        expect(report.outside).toEqual([]);
        expect(report.loaded).toBeGreaterThan(entryFiles.length);
    });
});

describe('the .funcignore rules (gitignore semantics, as azd applies them)', () => {
    const rules = ignore().add(['test', '.git*', '__azurite_db*__.json', 'dist', '# a comment'].join('\n'));

    it.each([
        ['test/infra/deployPackage.test.ts', false],
        ['src/test/thing.ts', false], // a pattern without a slash matches at any depth
        ['.gitignore', false],
        ['__azurite_db_queue__.json', false],
        ['dist/src/index.js', false],
        ['.funcignore', false],
        ['local.settings.json', false],
        ['.azure/dev/.env', false],
        ['src/index.ts', true],
        ['testing.md', true],
        ['distribution/x.js', true],
    ])('%s is packaged: %s', (file, packaged) => {
        expect(isPackaged(rules, file)).toBe(packaged);
    });

    it('reads the repository .funcignore', () => {
        const files = deployPackageFiles(repoRoot);
        expect(files).not.toContain('.funcignore');
        expect(files.filter((file) => file.startsWith('emulator/'))).toEqual([]);
    });
});
