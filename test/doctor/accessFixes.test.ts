import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/runDoctor';
import { toAccessProblem } from '../../src/powerbi/powerBiFailure';
import { stubHttpClient } from '../support/stubHttpClient';

const workspaceId = 'f089354e-8366-4e18-aea3-4cb4a3a50b48';
const principalId = '1f69e798-5852-4fdd-ab01-33bb14b6e934';

/** An unsigned JWT with the given claims: the doctor reads claims, never verifies them. */
const jwt = (claims: Record<string, unknown>) =>
    ['{"alg":"none"}', JSON.stringify(claims)].map((part) => Buffer.from(part).toString('base64url')).join('.') + '.';

const credentialFor = (claims: Record<string, unknown>): TokenCredential => ({
    getToken: async () => ({ token: jwt(claims), expiresOnTimestamp: Date.now() + 3_600_000 }),
});

const env = {
    POWERBI_WORKSPACE_ID: workspaceId,
    POWERBI_CREDENTIAL: 'managedIdentity',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

/** What the service answers while the tenant setting keeps the service principal out: 401 to every call. */
const shutOut = () =>
    stubHttpClient(() => ({
        status: 401,
        body: {
            error: { code: 'PowerBINotAuthorizedException', pbi_error: { code: 'PowerBINotAuthorizedException' } },
        },
        headers: { RequestId: 'r-1' },
    }));

const appClaims = {
    aud: 'https://analysis.windows.net/powerbi/api',
    oid: principalId,
    appid: 'c1000000-0000-4000-8000-000000000001',
    idtyp: 'app',
    exp: Math.floor(Date.now() / 1000) + 3600,
};

describe('access failures and their fixes', () => {
    it('classifies 401, 403 TokenExpired, other 403s, 404 and "not Push API dataset" in powerBiFailure', () => {
        expect(toAccessProblem({ kind: 'unauthorized', status: 401, message: 'x' })).toBe('notAuthorized');
        expect(toAccessProblem({ kind: 'unauthorized', status: 403, code: 'TokenExpired', message: 'x' })).toBe(
            'tokenExpired',
        );
        expect(toAccessProblem({ kind: 'unauthorized', status: 403, message: 'x' })).toBe('forbidden');
        expect(toAccessProblem({ kind: 'permanent', status: 404, code: 'PowerBIEntityNotFound', message: 'x' })).toBe(
            'notFound',
        );
        expect(
            toAccessProblem({
                kind: 'permanent',
                status: 404,
                code: 'ItemNotFound',
                message: 'Dataset d is not Push API dataset.',
            }),
        ).toBe('notPushDataset');
        expect(toAccessProblem({ kind: 'throttled', status: 429, retryAfterSeconds: 5, message: 'x' })).toBeUndefined();
    });

    it('when even the workspace list is refused (401), the fix names the tenant setting, its group and the role', async () => {
        const report = await runDoctor({
            env,
            appRoot: __dirname,
            credential: credentialFor(appClaims),
            httpClient: shutOut(),
        });
        const reachable = report.checks.find((check) => check.name.startsWith('Workspace'))!;
        expect(reachable).toMatchObject({ ok: false });
        expect(reachable.fix).toContain('"Service principals can use Fabric APIs"');
        expect(reachable.fix).toContain(
            `az ad group member add --group "<security group name or id>" --member-id ${principalId}`,
        );
        expect(reachable.fix).toContain(
            `npm run grant-powerbi-access -- --workspace ${workspaceId} --principal-id ${principalId}`,
        );
    });

    it('admin-consented Power BI permissions on the identity (a roles claim) are a failed check', async () => {
        const report = await runDoctor({
            env,
            appRoot: __dirname,
            credential: credentialFor({ ...appClaims, roles: ['Tenant.Read.All'] }),
            httpClient: shutOut(),
        });
        const permissions = report.checks.find(
            (check) => check.name === 'The identity has no Power BI API permissions',
        )!;
        expect(permissions).toMatchObject({
            ok: false,
            detail: 'the token carries application permissions: Tenant.Read.All',
        });
        expect(permissions.fix).toContain(`servicePrincipals/${principalId}/appRoleAssignments`);
    });

    it('a token for another audience fails the token check with the scope fix', async () => {
        const report = await runDoctor({
            env,
            appRoot: __dirname,
            credential: credentialFor({ ...appClaims, aud: 'https://management.azure.com' }),
            httpClient: shutOut(),
        });
        const token = report.checks.find((check) => check.name === 'A Power BI token can be obtained')!;
        expect(token).toMatchObject({ ok: false });
        expect(token.fix).toContain('POWERBI_SCOPE');
    });
});
