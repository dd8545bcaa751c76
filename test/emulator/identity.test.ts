import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSystemAssignedPrincipalId } from '../../emulator';
import {
    adminPrincipal,
    apiClient,
    createSalesDataset,
    outsiderPrincipal,
    productRow,
    salesMarketing,
    startTestBed,
    viewerPrincipal,
    type TestBed,
} from './support/powerBiTestBed';

const scope = 'https://analysis.windows.net/powerbi/api/.default';
const userAssignedClientId = 'c1000000-0000-4000-8000-000000000001';
const userAssignedPrincipalId = 'c2000000-0000-4000-8000-000000000002';
const savedEnv = { ...process.env };

let bed: TestBed;
beforeAll(async () => {
    bed = await startTestBed({ identity: { userAssigned: { [userAssignedClientId]: userAssignedPrincipalId } } });
    process.env = { ...savedEnv, ...bed.emulator.env() };
    delete process.env.AZURE_CLIENT_ID;
    delete process.env.AZURE_CLIENT_SECRET;
    delete process.env.AZURE_FEDERATED_TOKEN_FILE;
});
afterAll(async () => {
    process.env = savedEnv;
    await bed.emulator.close();
});

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

describe('managed identity endpoint with the real @azure/identity credentials', () => {
    it('ManagedIdentityCredential (system-assigned) gets a token that works against the REST API', async () => {
        const workspace = await bed.emulator.createWorkspace({
            name: 'MI workspace',
            members: [{ principalId: defaultSystemAssignedPrincipalId, role: 'Member' }],
        });
        const token = await new ManagedIdentityCredential().getToken(scope);
        expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 60 * 60 * 1000);
        expect(claimsOf(token.token)).toMatchObject({
            aud: 'https://analysis.windows.net/powerbi/api',
            oid: defaultSystemAssignedPrincipalId,
            idtyp: 'app',
        });
        const api = apiClient(bed.emulator.url, token.token);
        const created = await api.post(`/v1.0/myorg/groups/${workspace.id}/datasets`, salesMarketing);
        expect(created.status).toBe(201);
        expect(
            (
                await api.post(`/v1.0/myorg/groups/${workspace.id}/datasets/${created.body.id}/tables/Product/rows`, {
                    rows: [productRow(1)],
                })
            ).status,
        ).toBe(200);
    });

    it('ManagedIdentityCredential with a clientId gets the mapped user-assigned principal', async () => {
        const workspace = await bed.emulator.createWorkspace({
            name: 'UAMI workspace',
            members: [{ principalId: userAssignedPrincipalId, role: 'Contributor' }],
        });
        const token = await new ManagedIdentityCredential({ clientId: userAssignedClientId }).getToken(scope);
        expect(claimsOf(token.token)).toMatchObject({ oid: userAssignedPrincipalId, appid: userAssignedClientId });
        const listed = await apiClient(bed.emulator.url, token.token).get(
            `/v1.0/myorg/groups/${workspace.id}/datasets`,
        );
        expect(listed.status).toBe(200);
        const log = await bed.emulator.requests();
        expect(
            log.find(
                (entry) => entry.operation === 'msiToken' && entry.path.includes(`client_id=${userAssignedClientId}`),
            ),
        ).toMatchObject({
            status: 200,
            principalId: userAssignedPrincipalId,
        });
    });

    it('an unmapped client id is its own principal id', async () => {
        const clientId = 'c3000000-0000-4000-8000-000000000003';
        const token = await new ManagedIdentityCredential(clientId).getToken(scope);
        expect(claimsOf(token.token).oid).toBe(clientId);
    });

    it('DefaultAzureCredential finds the managed identity through IDENTITY_ENDPOINT / IDENTITY_HEADER', async () => {
        const workspace = await bed.emulator.createWorkspace({
            name: 'DAC workspace',
            members: [{ principalId: userAssignedPrincipalId, role: 'Admin' }],
        });
        const token = await new DefaultAzureCredential({ managedIdentityClientId: userAssignedClientId }).getToken(
            scope,
        );
        const api = apiClient(bed.emulator.url, token.token);
        expect((await api.post(`/v1.0/myorg/groups/${workspace.id}/datasets`, salesMarketing)).status).toBe(201);
    });

    it('the endpoint refuses a wrong identity header, a wrong api-version and a missing resource', async () => {
        const url = `${bed.emulator.identityEndpoint}?api-version=2019-08-01&resource=https://analysis.windows.net/powerbi/api`;
        expect((await fetch(url, { headers: { 'X-IDENTITY-HEADER': 'wrong' } })).status).toBe(401);
        expect((await fetch(url)).status).toBe(401);
        const header = { 'X-IDENTITY-HEADER': bed.emulator.identityHeader };
        expect((await fetch(url.replace('2019-08-01', '2017-09-01'), { headers: header })).status).toBe(400);
        expect(
            (await fetch(`${bed.emulator.identityEndpoint}?api-version=2019-08-01`, { headers: header })).status,
        ).toBe(400);
        const ok = await fetch(
            `${url}&mi_res_id=/subscriptions/x/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z`,
            { headers: header },
        );
        expect(ok.status).toBe(200);
        const body = (await ok.json()) as { expires_on: string; token_type: string; resource: string };
        expect(body).toMatchObject({ token_type: 'Bearer', resource: 'https://analysis.windows.net/powerbi/api' });
        expect(body.expires_on).toMatch(/^\d+$/);
    });
});

describe('token checks on the REST API', () => {
    it('a missing token is 401', async () => {
        const response = await apiClient(bed.emulator.url).get(`${bed.group}/datasets`);
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe('PowerBINotAuthorizedException');
        expect(response.headers.get('RequestId')).toBeTruthy();
    });

    it('a token for another audience is 401', async () => {
        const { access_token } = await bed.emulator.issueToken({
            principalId: adminPrincipal,
            audience: 'https://vault.azure.net',
        });
        expect((await apiClient(bed.emulator.url, access_token).get(`${bed.group}/datasets`)).status).toBe(401);
    });

    it('a token not signed by this emulator is 401', async () => {
        const { access_token } = await bed.emulator.issueToken({ principalId: adminPrincipal });
        const [header, payload] = access_token.split('.');
        const forged = `${header}.${payload}.${Buffer.from('nope').toString('base64url')}`;
        expect((await apiClient(bed.emulator.url, forged).get(`${bed.group}/datasets`)).status).toBe(401);
        expect((await apiClient(bed.emulator.url, 'not-a-jwt').get(`${bed.group}/datasets`)).status).toBe(401);
    });

    it('an expired token (on the emulator clock) is 403 TokenExpired with the documented message', async () => {
        const { access_token } = await bed.emulator.issueToken({ principalId: adminPrincipal, expiresInSeconds: 60 });
        const api = apiClient(bed.emulator.url, access_token);
        expect((await api.get(`${bed.group}/datasets`)).status).toBe(200);
        bed.emulator.clock.advance({ seconds: 60 });
        const expired = await api.get(`${bed.group}/datasets`);
        expect(expired.status).toBe(403);
        expect(expired.body).toEqual({
            error: { code: 'TokenExpired', message: 'Access token has expired, resubmit with a new access token' },
        });
    });

    it('a principal without a role in the workspace gets 401 PowerBINotAuthorizedException', async () => {
        const outsider = await bed.clientFor(outsiderPrincipal);
        const response = await outsider.get(`${bed.group}/datasets`);
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe('PowerBINotAuthorizedException');
    });

    it('a Viewer can read but not write (403 PowerBINotAuthorizedException)', async () => {
        const id = await createSalesDataset(bed);
        const viewer = await bed.clientFor(viewerPrincipal);
        expect((await viewer.get(`${bed.group}/datasets`)).status).toBe(200);
        expect((await viewer.get(`${bed.group}/datasets/${id}/tables`)).status).toBe(200);
        for (const response of [
            await viewer.post(`${bed.group}/datasets/${id}/tables/Product/rows`, { rows: [productRow(1)] }),
            await viewer.post(`${bed.group}/datasets`, salesMarketing),
            await viewer.delete(`${bed.group}/datasets/${id}/tables/Product/rows`),
        ]) {
            expect(response.status).toBe(403);
            expect(response.body.error.code).toBe('PowerBINotAuthorizedException');
        }
    });
});
