import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import {
    bodyObject,
    declarationsOf,
    descendants,
    find,
    infraDir,
    listBicepFiles,
    loadBicep,
    properties,
    property,
    repoRoot,
    stringLiteral,
} from './bicepTree';

const main = loadBicep('infra/main.bicep');

describe('infra/main.parameters.json', () => {
    const file = JSON.parse(readFileSync(path.join(infraDir, 'main.parameters.json'), 'utf8')) as {
        parameters: Record<string, { value: unknown }>;
    };
    const mapped = file.parameters;
    const params = declarationsOf(main.root, 'param');

    it('maps every main.bicep parameter without a default', () => {
        const required = params.filter((p) => p.value === undefined).map((p) => p.name);
        expect(required).toEqual(expect.arrayContaining(['environmentName', 'location', 'powerBiWorkspaceId']));
        for (const name of required)
            expect(mapped[name], `${name} has no default and is not in main.parameters.json`).toBeDefined();
    });

    it('maps only parameters that exist, each from an azd environment variable', () => {
        const names = new Set(params.map((p) => p.name));
        for (const [name, { value }] of Object.entries(mapped)) {
            expect(names.has(name), `${name} is not a parameter of main.bicep`).toBe(true);
            expect(value, name).toMatch(/^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$/);
        }
    });

    it.each([
        ['environmentName', 'AZURE_ENV_NAME'],
        ['location', 'AZURE_LOCATION'],
        ['principalId', 'AZURE_PRINCIPAL_ID'],
        ['principalType', 'AZURE_PRINCIPAL_TYPE'], // azd's own value, whatever the environment holds
        ['powerBiWorkspaceId', 'POWERBI_WORKSPACE_ID'],
        ['refreshSchedule', 'REFRESH_SCHEDULE'],
        ['eventhouseQueryServiceUri', 'EVENTHOUSE_QUERY_SERVICE_URI'],
        ['storageSkuName', 'PBI_RELAY_STORAGE_SKU'],
    ])('maps %s from %s', (name, variable) => {
        expect(String(mapped[name]?.value)).toMatch(new RegExp(`^\\$\\{${variable}(=[^}]*)?\\}$`));
    });
});

describe('azure.yaml', () => {
    const document = parseDocument(readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8'), { uniqueKeys: true });
    const azureYaml = document.toJS() as {
        name: string;
        services: Record<string, Record<string, unknown>>;
        hooks: Record<string, unknown>;
    };
    const scripts =
        (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> })
            .scripts ?? {};
    // The properties of a hook in azure-dev's schemas/v1.0/azure.yaml.json (definitions.hook); azd >= 1.10
    // takes a list of hooks for one event and runs them in order (cli/azd/pkg/ext/hooks_config.go).
    const hookKeys = [
        'shell',
        'kind',
        'dir',
        'run',
        'continueOnError',
        'interactive',
        'windows',
        'posix',
        'secrets',
        'config',
    ];
    const postprovision = azureYaml.hooks.postprovision as Record<string, Record<string, unknown>>[];

    it('parses as YAML without errors or warnings', () => {
        expect(document.errors).toEqual([]);
        expect(document.warnings).toEqual([]);
    });

    it('declares the api service as a TypeScript function app at the repo root, built remotely', () => {
        expect(azureYaml.name).toBe('pbi-relay');
        expect(Object.keys(azureYaml.services)).toEqual(['api']);
        expect(azureYaml.services.api).toEqual({ project: '.', language: 'ts', host: 'function', remoteBuild: true });
    });

    it('has only hook events and hook properties that azd knows', () => {
        expect(Object.keys(azureYaml.hooks)).toEqual(['postprovision']);
        expect(Array.isArray(postprovision)).toBe(true);
        for (const hook of postprovision) {
            expect(Object.keys(hook).sort()).toEqual(['posix', 'windows']);
            for (const platform of Object.values(hook))
                for (const key of Object.keys(platform)) expect(hookKeys, key).toContain(key);
        }
    });

    it.each([
        [0, 'wait-for-storage-access'],
        [1, 'grant-powerbi-access'],
        [2, 'fabric-setup'],
    ])('postprovision hook %i runs npm run %s on both platforms, without stopping azd', (index, script) => {
        const hook = postprovision[index]!;
        expect(scripts[script], `package.json has no ${script} script`).toBeDefined();
        for (const [platform, shell] of [
            ['posix', 'sh'],
            ['windows', 'pwsh'],
        ] as const) {
            expect(hook[platform]!.shell).toBe(shell);
            expect(hook[platform]!.continueOnError).toBe(true);
            expect(hook[platform]!.interactive).toBe(true);
            expect(String(hook[platform]!.run)).toContain(`npm run ${script}`);
        }
    });

    it('skips the Power BI grant without a workspace id', () => {
        for (const platform of ['posix', 'windows']) {
            const run = String(postprovision[1]![platform]!.run);
            expect(run).toContain('POWERBI_WORKSPACE_ID');
            expect(run).toContain('PBI_RELAY_GRANT_POWERBI_ACCESS');
        }
    });

    it('has the Eventhouse setup skippable, last', () => {
        expect(postprovision).toHaveLength(3);
        for (const platform of ['posix', 'windows']) {
            expect(String(postprovision[2]![platform]!.run)).toContain('PBI_RELAY_FABRIC_SETUP');
        }
    });

    /** Runs a posix hook with sh in a folder, `npm` a shell function that only records what it was asked. */
    function runPosixHook(index: number, env: Record<string, string>): { out: string; npm: string } {
        const folder = mkdtempSync(path.join(tmpdir(), 'pbi-azd-hook-'));
        try {
            mkdirSync(path.join(folder, 'node_modules'));
            const calls = path.join(folder, 'npm-calls');
            writeFileSync(calls, '');
            const npm = `npm() { printf 'npm %s\\n' "$*" >> "$NPM_CALLS"; }\n`;
            const out = execFileSync('sh', ['-c', npm + String(postprovision[index]!.posix!.run)], {
                cwd: folder,
                env: { PATH: process.env.PATH, NPM_CALLS: calls, ...env },
                encoding: 'utf8',
            });
            return { out, npm: readFileSync(calls, 'utf8') };
        } finally {
            rmSync(folder, { recursive: true, force: true });
        }
    }

    it.each(['false', 'False', 'FALSE'])(
        'the posix hooks skip with %s, whatever its case (as pwsh compares)',
        (off) => {
            const fabric = runPosixHook(2, { PBI_RELAY_FABRIC_SETUP: off });
            expect(fabric).toEqual({
                out: 'pbi-relay: skipping the Eventhouse setup (PBI_RELAY_FABRIC_SETUP=false).\n',
                npm: '',
            });
            const grant = runPosixHook(1, { POWERBI_WORKSPACE_ID: 'ws', PBI_RELAY_GRANT_POWERBI_ACCESS: off });
            expect(grant.npm).toBe('');
            expect(grant.out).toMatch(/^pbi-relay: skipping the Power BI workspace grant/);
        },
    );

    it('the posix hooks run their script when not skipped (and without a workspace id, the grant skips)', () => {
        expect(runPosixHook(2, {}).npm).toBe('npm run fabric-setup\n');
        expect(runPosixHook(2, { PBI_RELAY_FABRIC_SETUP: 'true' }).npm).toBe('npm run fabric-setup\n');
        expect(runPosixHook(1, { POWERBI_WORKSPACE_ID: 'ws' }).npm).toBe('npm run grant-powerbi-access\n');
        expect(runPosixHook(1, {}).npm).toBe('');
    });

    it('names only npm scripts that package.json has', () => {
        const text = readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8');
        const named = [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
        expect(named.length).toBeGreaterThanOrEqual(2);
        for (const name of named) expect(scripts[name], name).toBeDefined();
    });
});

describe('cross-file references', () => {
    const files = listBicepFiles();

    it('uses only abbreviations that abbreviations.json defines', () => {
        const abbrs = JSON.parse(readFileSync(path.join(infraDir, 'abbreviations.json'), 'utf8')) as Record<
            string,
            string
        >;
        const used = [...main.text.matchAll(/\babbrs\.(\w+)/g)].map((m) => m[1]!);
        expect(used.length).toBeGreaterThan(0);
        for (const key of used) expect(abbrs[key], `abbreviations.json has no ${key}`).toBeDefined();
    });

    it.each(files)('%s loads only JSON files that exist', (file) => {
        const { text, abs } = loadBicep(file);
        for (const match of text.matchAll(/loadJsonContent\('([^']+)'\)/g)) {
            expect(existsSync(path.resolve(path.dirname(abs), match[1]!)), `${file}: ${match[1]}`).toBe(true);
        }
    });

    it.each(files)('%s passes local modules exactly their parameters and reads only their outputs', (file) => {
        const { root, abs } = loadBicep(file);
        for (const module of declarationsOf(root, 'module')) {
            if (!module.target || module.target.startsWith('br')) continue;
            const target = loadBicep(path.relative(repoRoot, path.resolve(path.dirname(abs), module.target)));
            const targetParams = declarationsOf(target.root, 'param');
            const passed = properties(property(bodyObject(module), 'params'));
            for (const key of passed.keys()) {
                expect(
                    targetParams.some((p) => p.name === key),
                    `${file}: module ${module.name} passes unknown parameter ${key}`,
                ).toBe(true);
            }
            for (const param of targetParams.filter((p) => p.value === undefined)) {
                expect(
                    passed.has(param.name),
                    `${file}: module ${module.name} misses required parameter ${param.name}`,
                ).toBe(true);
            }
            const outputs = new Set(declarationsOf(target.root, 'output').map((o) => o.name));
            for (const match of text(root).matchAll(new RegExp(`\\b${module.name}\\.outputs\\.(\\w+)`, 'g'))) {
                expect(outputs.has(match[1]!), `${file}: ${module.name}.outputs.${match[1]} does not exist`).toBe(true);
            }
        }
    });

    it('declares every parameter and variable it uses in main.bicep (no typos in identifiers)', () => {
        const declared = new Set([
            'resourceGroup',
            'subscription',
            'tenant',
            'deployer',
            'deployment',
            'environment',
            ...declarationsOf(main.root, 'param').map((d) => d.name),
        ]);
        for (const kind of ['var', 'resource', 'module'] as const)
            for (const d of declarationsOf(main.root, kind)) declared.add(d.name);
        // A lambda's parameter (`queue => ...`) is declared by the lambda.
        for (const lambda of descendants(main.root, 'lambda_expression'))
            for (const parameter of lambda.namedChildren.slice(0, -1)) declared.add(parameter.text);
        const functions = new Set([
            'loadJsonContent',
            'toLower',
            'uniqueString',
            'take',
            'empty',
            'union',
            'guid',
            'items',
            'map',
        ]);
        for (const node of descendants(main.root, 'identifier')) {
            const parent = node.parent;
            if (!parent || (parent.type === 'object_property' && parent.namedChildren[0]?.id === node.id)) continue;
            if (
                [
                    'parameter_declaration',
                    'variable_declaration',
                    'resource_declaration',
                    'module_declaration',
                    'output_declaration',
                ].includes(parent.type)
            )
                continue;
            if (parent.type === 'call_expression') continue; // function names, decorators
            if (functions.has(node.text)) continue;
            expect(
                declared.has(node.text),
                `main.bicep:${node.startPosition.row + 1} uses undeclared ${node.text}`,
            ).toBe(true);
        }
        expect(stringLiteral(find(main.root, 'var', 'defaultRefreshSchedule').value)?.split(' ')).toHaveLength(6);
    });
});

function text(root: { text: string }): string {
    return root.text;
}
