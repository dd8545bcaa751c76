import { ManagedIdentityCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSystemAssignedPrincipalId, startEmulator, type RunningEmulator } from '../../emulator';
import { loadSettings } from '../../src/config/settings';
import { createPowerBiClient } from '../../src/powerbi/powerBiClient';
import { createPowerBiCredential, type PowerBiCredential } from '../../src/powerbi/powerBiCredential';

const scope = 'https://analysis.windows.net/powerbi/api/.default';
const savedEnv = { ...process.env };
let emulator: RunningEmulator;
let workspaceId: string;
beforeAll(async () => {
    emulator = await startEmulator({ frozenClock: true });
    process.env = { ...savedEnv, ...emulator.env() };
    workspaceId = (
        await emulator.createWorkspace({
            name: 'Token expiry',
            members: [{ principalId: defaultSystemAssignedPrincipalId, role: 'Member' }],
        })
    ).id;
});
afterAll(async () => {
    process.env = savedEnv;
    await emulator.close();
});

function clientWith(credential: PowerBiCredential) {
    return createPowerBiClient({ baseUrl: `${emulator.url}/v1.0/myorg`, credential, scope, timeoutMs: 5_000 });
}

/** The calls since the last check: operation and status, in order. */
async function callsSince(): Promise<string[]> {
    const calls = (await emulator.requests()).map((entry) => `${entry.operation} ${entry.status}`);
    await emulator.clearRequests();
    return calls;
}

describe('a token Power BI refuses as expired (403 TokenExpired) while the credential still caches it', () => {
    it("the relay's managed identity credential gets a new token from the endpoint and the call goes through", async () => {
        const settings = loadSettings({
            ...process.env,
            AzureWebJobsStorage: 'UseDevelopmentStorage=true',
            POWERBI_API_BASE_URL: `${emulator.url}/v1.0/myorg`,
            POWERBI_WORKSPACE_ID: workspaceId,
            POWERBI_CREDENTIAL: 'managedIdentity',
            AZURE_CLIENT_ID: '',
        });
        const client = clientWith(createPowerBiCredential(settings));
        expect((await client.getDatasets(workspaceId)).ok).toBe(true);
        await callsSince();
        await emulator.injectFaults({ operation: 'getDatasets', kind: 'tokenExpired' });
        expect((await client.getDatasets(workspaceId)).ok).toBe(true);
        expect(await callsSince()).toEqual(['getDatasets 403', 'msiToken 200', 'getDatasets 200']);
        // The new token stays in use.
        expect((await client.getDatasets(workspaceId)).ok).toBe(true);
        expect(await callsSince()).toEqual(['getDatasets 200']);
    });

    it("@azure/identity's ManagedIdentityCredential hands the refused token back from its cache (why the relay does not use it)", async () => {
        const client = clientWith(new ManagedIdentityCredential());
        await emulator.injectFaults({ operation: 'getDatasets', kind: 'tokenExpired' });
        const refused = await client.getDatasets(workspaceId);
        expect(refused).toMatchObject({ ok: false, failure: { kind: 'unauthorized', code: 'TokenExpired' } });
        expect(await callsSince()).not.toContain('msiToken 200');
    });
});
