import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { grantWorkspaceAccess, main } from '../../scripts/grantPowerBiAccess';

/** The deploying user (a workspace Admin, signed in with `az login`) and the app's user-assigned identity. */
const deployer = 'd0000000-0000-4000-8000-0000000000d1';
const memberDeployer = 'd0000000-0000-4000-8000-0000000000d2';
const identityClientId = 'c1000000-0000-4000-8000-0000000000c1';
const identityPrincipalId = 'c2000000-0000-4000-8000-0000000000c2';
const scope = 'https://analysis.windows.net/powerbi/api/.default';

let emulator: RunningEmulator;
let workspaceId: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
    emulator = await startEmulator({
        frozenClock: true,
        identity: { userAssigned: { [identityClientId]: identityPrincipalId } },
    });
    process.env = { ...savedEnv, ...emulator.env() };
});
afterAll(async () => {
    process.env = savedEnv;
    await emulator.close();
});
beforeEach(async () => {
    ({ id: workspaceId } = await emulator.createWorkspace({
        name: 'Relay',
        members: [
            { principalId: deployer, role: 'Admin', principalType: 'User' },
            { principalId: memberDeployer, role: 'Member', principalType: 'User' },
        ],
    }));
});

const userToken = (principalId: string) => async () =>
    (await emulator.issueToken({ principalId, kind: 'user' })).access_token;
const userCredential = (principalId: string): TokenCredential => ({
    getToken: async () => ({ token: await userToken(principalId)(), expiresOnTimestamp: Date.now() + 3_600_000 }),
});

function run(argv: string[], as = deployer) {
    const out: string[] = [];
    const err: string[] = [];
    const code = main(argv, {
        env: {
            POWERBI_API_BASE_URL: `${emulator.url}/v1.0/myorg`,
            POWERBI_WORKSPACE_ID: workspaceId,
            MANAGED_IDENTITY_PRINCIPAL_ID: identityPrincipalId,
            MANAGED_IDENTITY_CLIENT_ID: identityClientId,
        },
        credential: userCredential(as),
        readAzdEnv: async () => ({}),
        log: (line) => out.push(line),
        error: (line) => err.push(line),
    });
    return code.then((exitCode) => ({ exitCode, out: out.join('\n'), err: err.join('\n') }));
}

/** What the relay does with its managed identity: create a push dataset and add a row. */
async function pushAsIdentity(): Promise<number> {
    const token = await new ManagedIdentityCredential({ clientId: identityClientId }).getToken(scope);
    const call = (path: string, body: unknown) =>
        fetch(`${emulator.url}/v1.0/myorg/groups/${workspaceId}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
        });
    const created = await call('/datasets', {
        name: 'SalesMarketing',
        tables: [{ name: 'Product', columns: [{ name: 'ProductID', dataType: 'Int64' }] }],
    });
    if (created.status !== 201) return created.status;
    const { id } = (await created.json()) as { id: string };
    return (await call(`/datasets/${id}/tables/Product/rows`, { rows: [{ ProductID: 1 }] })).status;
}

describe('npm run grant-powerbi-access against the emulator', () => {
    it('adds the managed identity as Member; before that its push is refused, after it succeeds', async () => {
        expect(await pushAsIdentity()).toBe(401);
        const result = await run([]);
        expect(result).toMatchObject({ exitCode: 0, err: '' });
        expect(result.out).toContain('added the managed identity to the workspace as Member');
        expect(await pushAsIdentity()).toBe(200);
    });

    it('is idempotent: the second run changes nothing and only reads the users', async () => {
        expect((await run([])).exitCode).toBe(0);
        await emulator.clearRequests();
        const second = await run([]);
        expect(second.exitCode).toBe(0);
        expect(second.out).toContain('already has the Member role; nothing to do');
        expect((await emulator.requests()).map((entry) => entry.operation)).toEqual(['getGroupUsers']);
    });

    it('raises a Viewer identity to the requested role with Update Group User', async () => {
        await fetch(`${emulator.url}/v1.0/myorg/groups/${workspaceId}/users`, {
            method: 'POST',
            headers: { authorization: `Bearer ${await userToken(deployer)()}`, 'content-type': 'application/json' },
            body: JSON.stringify({
                identifier: identityPrincipalId,
                principalType: 'App',
                groupUserAccessRight: 'Viewer',
            }),
        });
        expect(await pushAsIdentity()).toBe(403);
        await expect(
            grantWorkspaceAccess(
                { workspaceId, principalId: identityPrincipalId, role: 'Contributor' },
                { credential: userCredential(deployer), baseUrl: `${emulator.url}/v1.0/myorg` },
            ),
        ).resolves.toEqual({ outcome: 'updated', role: 'Contributor', previousRole: 'Viewer' });
        expect(await pushAsIdentity()).toBe(200);
    });

    it('a Member deployer may grant Member but not Admin, and is told why', async () => {
        const refused = await run(['--role', 'Admin'], memberDeployer);
        expect(refused.exitCode).toBe(1);
        expect(refused.err).toContain('HTTP 403');
        expect(refused.err).toContain('a Member can grant Member or Contributor, not Admin');
        expect((await run([], memberDeployer)).exitCode).toBe(0);
    });

    it('a deployer without a role in the workspace gets the access steps', async () => {
        const outsider = await run([], 'd0000000-0000-4000-8000-0000000000ff');
        expect(outsider.exitCode).toBe(1);
        expect(outsider.err).toContain('HTTP 401, PowerBINotAuthorizedException');
        expect(outsider.err).toContain(
            `az ad group member add --group "<security group name or id>" --member-id ${identityPrincipalId}`,
        );
    });
});
