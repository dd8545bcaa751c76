import { describe, expect, it } from 'vitest';
import { listBicepFiles, loadBicep, parseBicep, syntaxProblems } from './bicepTree';

describe('Bicep syntax (tree-sitter-bicep)', () => {
    const files = listBicepFiles();

    it('finds the infra files', () => {
        expect(files).toEqual(
            expect.arrayContaining([
                'infra/main.bicep',
                'infra/app/api.bicep',
                'infra/app/rbac.bicep',
                'infra/app/monitoring.bicep',
            ]),
        );
    });

    it.each(files)('%s parses without ERROR or MISSING nodes', (file) => {
        const { root, rel } = loadBicep(file);
        expect(syntaxProblems(root, rel)).toEqual([]);
    });

    describe('the check itself', () => {
        it('reports an unclosed object with its line', () => {
            const broken = [
                'param x string',
                "resource r 'Microsoft.Storage/storageAccounts@2023-05-01' = {",
                "  name: 'x'",
                '  properties: {',
                '    a: ',
                '  }',
                '',
            ].join('\n');
            const problems = syntaxProblems(parseBicep(broken), 'broken.bicep');
            expect(problems.length).toBeGreaterThan(0);
            expect(problems[0]).toMatch(/^broken\.bicep:\d+:\d+ (ERROR|MISSING)/);
        });

        it('reports a stray token on the right line', () => {
            const broken = ["param ok string = 'a'", "var good = 'b'", 'var bad = = 1', 'output o string = ok'].join(
                '\n',
            );
            const problems = syntaxProblems(parseBicep(broken), 'stray.bicep');
            expect(problems).not.toEqual([]);
            expect(problems.some((problem) => problem.startsWith('stray.bicep:3:'))).toBe(true);
        });

        it('accepts a valid snippet', () => {
            const valid = [
                "targetScope = 'subscription'",
                'param p string = deployer().objectId',
                'output o string = p',
            ].join('\n');
            expect(syntaxProblems(parseBicep(valid), 'valid.bicep')).toEqual([]);
        });
    });
});
