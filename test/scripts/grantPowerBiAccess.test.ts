import { RestError, type HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
    findPrincipal,
    grantWorkspaceAccess,
    main,
    parseArgs,
    PowerBiAccessError,
    resolveRequest,
    type GrantRequest,
} from '../../scripts/grantPowerBiAccess';
import { stubHttpClient, type StubReply } from '../support/stubHttpClient';

const workspaceId = 'f089354e-8366-4e18-aea3-4cb4a3a50b48';
const principalId = '1f69e798-5852-4fdd-ab01-33bb14b6e934';
const clientId = '5a1f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b';
const base = 'https://api.powerbi.com/v1.0/myorg';
const usersUrl = `${base}/groups/${workspaceId}/users`;

/** A transport that records requests and answers from a per-method script. */
function stubFetch(replies: Partial<Record<'GET' | 'POST' | 'PUT', StubReply | Error>>) {
    const httpClient = stubHttpClient(
        (call) => replies[call.method as 'GET' | 'POST' | 'PUT'] ?? new Error(`unexpected ${call.method} ${call.url}`),
    );
    return { httpClient, calls: httpClient.calls };
}

const credential: TokenCredential = {
    getToken: async () => ({ token: 'token-123', expiresOnTimestamp: Date.now() + 3_600_000 }),
};
const request: GrantRequest = { workspaceId, principalId, clientId, role: 'Member' };
const deps = (httpClient: HttpClient, baseUrl = base) => ({ httpClient, credential, baseUrl });

const someone = {
    displayName: 'John Nick',
    emailAddress: 'john@contoso.com',
    groupUserAccessRight: 'Admin',
    identifier: 'john@contoso.com',
    principalType: 'User',
};
const identityAs = (role: string, identifier = principalId) => ({
    displayName: 'id-api-abc',
    groupUserAccessRight: role,
    identifier,
    principalType: 'App',
});

describe('grantWorkspaceAccess', () => {
    it('adds the identity as an App with the requested role when it is not in the workspace', async () => {
        const { httpClient, calls } = stubFetch({
            GET: { status: 200, body: { value: [someone] } },
            POST: { status: 200 },
        });
        await expect(grantWorkspaceAccess(request, deps(httpClient))).resolves.toEqual({
            outcome: 'added',
            role: 'Member',
        });
        expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([`GET ${usersUrl}`, `POST ${usersUrl}`]);
        expect(calls[1]!.body).toEqual({
            identifier: principalId,
            principalType: 'App',
            groupUserAccessRight: 'Member',
        });
        expect(calls[1]!.headers['content-type']).toMatch(/^application\/json/);
        for (const call of calls) expect(call.headers.authorization).toBe('Bearer token-123');
    });

    it('does nothing when the identity already has the role', async () => {
        const { httpClient, calls } = stubFetch({
            GET: { status: 200, body: { value: [someone, identityAs('Member')] } },
        });
        await expect(grantWorkspaceAccess(request, deps(httpClient))).resolves.toEqual({
            outcome: 'unchanged',
            role: 'Member',
        });
        expect(calls.map((c) => c.method)).toEqual(['GET']);
    });

    it('does not lower a higher role', async () => {
        const { httpClient, calls } = stubFetch({ GET: { status: 200, body: { value: [identityAs('Admin')] } } });
        await expect(grantWorkspaceAccess(request, deps(httpClient))).resolves.toEqual({
            outcome: 'unchanged',
            role: 'Admin',
        });
        expect(calls).toHaveLength(1);
    });

    it('recognises the identity by client id, case-insensitively', async () => {
        const { httpClient, calls } = stubFetch({
            GET: { status: 200, body: { value: [identityAs('Member', clientId.toUpperCase())] } },
        });
        await expect(grantWorkspaceAccess(request, deps(httpClient))).resolves.toMatchObject({ outcome: 'unchanged' });
        expect(calls).toHaveLength(1);
    });

    it('raises a lower role with Update Group User (PUT)', async () => {
        const { httpClient, calls } = stubFetch({
            GET: { status: 200, body: { value: [identityAs('Viewer')] } },
            PUT: { status: 200 },
        });
        const result = await grantWorkspaceAccess({ ...request, role: 'Contributor' }, deps(httpClient));
        expect(result).toEqual({ outcome: 'updated', role: 'Contributor', previousRole: 'Viewer' });
        expect(calls.map((c) => c.method)).toEqual(['GET', 'PUT']);
        expect(calls[1]!.url).toBe(usersUrl);
        expect(calls[1]!.body).toEqual({
            identifier: principalId,
            principalType: 'App',
            groupUserAccessRight: 'Contributor',
        });
    });

    it('uses the overridable base URL (for the emulator), without doubling slashes', async () => {
        const { httpClient, calls } = stubFetch({ GET: { status: 200, body: { value: [] } }, POST: { status: 200 } });
        await grantWorkspaceAccess(request, deps(httpClient, 'http://127.0.0.1:7300/v1.0/myorg/'));
        expect(calls[0]!.url).toBe(`http://127.0.0.1:7300/v1.0/myorg/groups/${workspaceId}/users`);
    });

    it.each([401, 403])(
        'explains the tenant setting, the security group and the workspace role on %i',
        async (status) => {
            const { httpClient } = stubFetch({
                GET: {
                    status,
                    body: { error: { code: 'PowerBINotAuthorizedException', message: 'Not authorized' } },
                    headers: { RequestId: 'req-42' },
                },
            });
            const failure = await grantWorkspaceAccess(request, deps(httpClient)).catch((e: unknown) => e);
            expect(failure).toBeInstanceOf(PowerBiAccessError);
            const error = failure as PowerBiAccessError;
            expect(error.status).toBe(status);
            expect(error.code).toBe('PowerBINotAuthorizedException');
            expect(error.message).toContain(`HTTP ${status}, PowerBINotAuthorizedException: Not authorized`);
            expect(error.message).toContain('"Service principals can use Fabric APIs"');
            expect(error.message).toContain('security group');
            expect(error.message).toContain(
                `az ad group member add --group "<security group name or id>" --member-id ${principalId}`,
            );
            expect(error.message).toContain(`Admin of workspace ${workspaceId}`);
            expect(error.message).toContain('req-42');
            if (status === 401) expect(error.message).toContain('az login');
        },
    );

    it('explains a 403 on the add itself, after a successful read', async () => {
        const { httpClient, calls } = stubFetch({
            GET: { status: 200, body: { value: [] } },
            POST: { status: 403, body: '' },
        });
        const error = (await grantWorkspaceAccess(request, deps(httpClient)).catch(
            (e: unknown) => e,
        )) as PowerBiAccessError;
        expect(calls.map((c) => c.method)).toEqual(['GET', 'POST']);
        expect(error.message).toMatch(/^Power BI refused to add the managed identity as Member \(HTTP 403\)\./);
        expect(error.message).toContain('Service principals can use Fabric APIs');
    });

    it('explains a 404 as a wrong workspace id', async () => {
        const { httpClient } = stubFetch({ GET: { status: 404, body: { error: { code: 'PowerBIEntityNotFound' } } } });
        const error = (await grantWorkspaceAccess(request, deps(httpClient)).catch(
            (e: unknown) => e,
        )) as PowerBiAccessError;
        expect(error.status).toBe(404);
        expect(error.message).toContain('https://app.powerbi.com/groups/<id>/');
    });

    it('rejects an unexpected response shape (zod)', async () => {
        const { httpClient } = stubFetch({ GET: { status: 200, body: { users: [] } } });
        await expect(grantWorkspaceAccess(request, deps(httpClient))).rejects.toThrow(/unexpected shape/);
    });

    it('reports a network failure with the base URL', async () => {
        const { httpClient } = stubFetch({ GET: new RestError('connect ECONNREFUSED', { code: 'ECONNREFUSED' }) });
        await expect(grantWorkspaceAccess(request, deps(httpClient))).rejects.toThrow(
            `Could not reach Power BI at ${base}`,
        );
    });
});

describe('findPrincipal', () => {
    it('ignores users and groups that share nothing with the identity', () => {
        expect(findPrincipal([someone, { ...identityAs('Member'), principalType: 'Group' }], request)).toBeUndefined();
        expect(findPrincipal([identityAs('Member')], request)?.groupUserAccessRight).toBe('Member');
    });
});

describe('command line', () => {
    it('parses flags in both forms', () => {
        expect(parseArgs(['--workspace', workspaceId, `--role=Admin`, '--principal-id', principalId])).toEqual({
            workspace: workspaceId,
            role: 'Admin',
            principalId,
        });
        expect(() => parseArgs(['--nope'])).toThrow(/Unknown option/);
        expect(() => parseArgs(['--role'])).toThrow(/argument missing/);
    });

    it('takes values from the environment, flags first, and defaults the role to Member', () => {
        const env = {
            POWERBI_WORKSPACE_ID: workspaceId,
            MANAGED_IDENTITY_PRINCIPAL_ID: principalId,
            MANAGED_IDENTITY_CLIENT_ID: '',
        };
        expect(resolveRequest({}, env)).toEqual({ workspaceId, principalId, role: 'Member' });
        expect(resolveRequest({ role: 'contributor' }, env).role).toBe('Contributor');
        expect(() => resolveRequest({ role: 'Viewer' }, env)).toThrow(
            /role: must be one of Member, Contributor, Admin/,
        );
        expect(() => resolveRequest({}, { ...env, POWERBI_WORKSPACE_ID: 'not-a-guid' })).toThrow(
            /workspace: must be the GUID/,
        );
    });

    it('reads missing values from the azd environment and exits 0 after the grant', async () => {
        const { httpClient, calls } = stubFetch({ GET: { status: 200, body: { value: [] } }, POST: { status: 200 } });
        const lines: string[] = [];
        const code = await main([], {
            env: { POWERBI_API_BASE_URL: 'http://127.0.0.1:7300/v1.0/myorg' },
            httpClient,
            credential,
            readAzdEnv: async () => ({ POWERBI_WORKSPACE_ID: workspaceId, MANAGED_IDENTITY_PRINCIPAL_ID: principalId }),
            log: (line) => lines.push(line),
        });
        expect(code).toBe(0);
        expect(calls[1]!.url).toBe(`http://127.0.0.1:7300/v1.0/myorg/groups/${workspaceId}/users`);
        expect(lines.join('\n')).toContain('added the managed identity to the workspace as Member');
    });

    it('exits 1 with the explanation on 403 and 2 on bad input', async () => {
        const { httpClient } = stubFetch({ GET: { status: 403 } });
        const errors: string[] = [];
        const env = { POWERBI_WORKSPACE_ID: workspaceId, MANAGED_IDENTITY_PRINCIPAL_ID: principalId };
        const quiet = {
            log: () => undefined,
            error: (line: string) => errors.push(line),
            credential,
            readAzdEnv: async () => ({}),
        };
        expect(await main([], { env, httpClient, ...quiet })).toBe(1);
        expect(errors.join('\n')).toContain('Service principals can use Fabric APIs');
        expect(await main(['--role', 'Owner'], { env, httpClient, ...quiet })).toBe(2);
        expect(await main([], { env: {}, httpClient, ...quiet })).toBe(2);
    });
});
