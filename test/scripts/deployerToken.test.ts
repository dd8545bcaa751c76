import type { AccessToken, TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { deployerTokenProvider } from '../../scripts/deployerToken';

function credential(tokens: (AccessToken | Error)[]): TokenCredential & { calls: string[] } {
    const calls: string[] = [];
    return {
        calls,
        getToken: (scope) => {
            calls.push(String(scope));
            const next = tokens.shift();
            return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? null);
        },
    };
}

describe('deployerTokenProvider', () => {
    it('asks the CLI once while the token is valid for more than five minutes', async () => {
        const cli = credential([
            { token: 'first', expiresOnTimestamp: Date.now() + 60 * 60_000 },
            { token: 'second', expiresOnTimestamp: Date.now() + 60 * 60_000 },
        ]);
        const getToken = deployerTokenProvider('https://management.azure.com/.default', undefined, 'ARM', cli);
        expect([await getToken(), await getToken(), await getToken()]).toEqual(['first', 'first', 'first']);
        expect(cli.calls).toEqual(['https://management.azure.com/.default']);
    });

    it('asks again for a token that expires within five minutes', async () => {
        const cli = credential([
            { token: 'short', expiresOnTimestamp: Date.now() + 60_000 },
            { token: 'fresh', expiresOnTimestamp: Date.now() + 60 * 60_000 },
        ]);
        const getToken = deployerTokenProvider('scope', undefined, 'ARM', cli);
        expect([await getToken(), await getToken()]).toEqual(['short', 'fresh']);
        expect(cli.calls).toHaveLength(2);
    });

    it('says why each CLI failed and how to sign in to the tenant', async () => {
        const failure = Object.assign(new Error('chained'), {
            errors: [new Error('Azure CLI could not be found.\nmore'), new Error('Please run azd auth login')],
        });
        const getToken = deployerTokenProvider('scope', 'tenant-1', 'Azure Resource Manager', credential([failure]));
        await expect(getToken()).rejects.toThrow(
            'Could not get a token for Azure Resource Manager as the signed-in user:\n  Azure CLI could not be found.\n  Please run azd auth login\nSign in with `az login --tenant tenant-1` and run the script again.',
        );
    });
});
