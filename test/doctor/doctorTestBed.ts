import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator, type WorkspaceInput } from '../../emulator';

/** The app's user-assigned managed identity, as the emulator's /msi/token knows it. */
export const identityClientId = 'c1000000-0000-4000-8000-00000000d0c1';
export const identityPrincipalId = 'c2000000-0000-4000-8000-00000000d0c2';
/** Another identity with its own client id, so that tests which break its tokens do not touch the cached ones. */
export const spareClientId = 'c1000000-0000-4000-8000-00000000d0c3';
export const sparePrincipalId = 'c2000000-0000-4000-8000-00000000d0c4';
export const adminPrincipalId = 'a0000000-0000-4000-8000-00000000d0a1';

export const salesMarketing = {
    name: 'SalesMarketing',
    tables: [
        {
            name: 'Product',
            columns: [
                { name: 'ProductID', dataType: 'Int64' },
                { name: 'Name', dataType: 'String' },
            ],
        },
    ],
};

export interface DoctorTestBed {
    emulator: RunningEmulator;
    scratch: string;
    /** A workspace with the deploying Admin and the given members; returns its id. */
    workspace(members: WorkspaceInput['members'], capacity?: 'Premium' | 'Shared'): Promise<string>;
    /** Writes a relay config file and returns its path. */
    config(config: unknown): string;
    /** App settings as the function app would have them, pointing at the emulator. */
    settings(workspaceId: string, configPath: string, clientId?: string): NodeJS.ProcessEnv;
    close(): Promise<void>;
}

/**
 * One emulator per suite, with the managed identity endpoint in process.env (IDENTITY_ENDPOINT and
 * IDENTITY_HEADER) so that the real ManagedIdentityCredential gets its tokens there; close() restores the env.
 */
export async function startDoctorTestBed(): Promise<DoctorTestBed> {
    const savedEnv = { ...process.env };
    const emulator = await startEmulator({
        frozenClock: true,
        identity: { userAssigned: { [identityClientId]: identityPrincipalId, [spareClientId]: sparePrincipalId } },
    });
    process.env = { ...savedEnv, ...emulator.env() };
    const scratch = mkdtempSync(join(tmpdir(), 'pbi-doctor-'));
    let configs = 0;
    return {
        emulator,
        scratch,
        workspace: async (members, capacity = 'Premium') =>
            (
                await emulator.createWorkspace({
                    name: `Relay ${Math.random().toString(36).slice(2, 7)}`,
                    capacity,
                    members: [
                        { principalId: adminPrincipalId, role: 'Admin', principalType: 'User' },
                        ...(members ?? []),
                    ],
                })
            ).id,
        config: (config) => {
            const path = join(scratch, `pbi-relay.config.${++configs}.json`);
            writeFileSync(path, JSON.stringify(config, null, 2));
            return path;
        },
        settings: (workspaceId, configPath, clientId = identityClientId) => ({
            POWERBI_API_BASE_URL: `${emulator.url}/v1.0/myorg`,
            POWERBI_WORKSPACE_ID: workspaceId,
            POWERBI_CREDENTIAL: 'managedIdentity',
            AZURE_CLIENT_ID: clientId,
            POWERBI_TIMEOUT_MS: '10000',
            AzureWebJobsStorage: 'UseDevelopmentStorage=true',
            PBI_RELAY_CONFIG: configPath,
        }),
        close: async () => {
            process.env = savedEnv;
            rmSync(scratch, { recursive: true, force: true });
            await emulator.close();
        },
    };
}
