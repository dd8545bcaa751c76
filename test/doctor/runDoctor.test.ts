import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/runDoctor';
import { toChecklist } from '../../src/doctor/toChecklist';
import {
    identityPrincipalId,
    salesMarketing,
    spareClientId,
    startDoctorTestBed,
    type DoctorTestBed,
} from './doctorTestBed';

let bed: DoctorTestBed;
beforeAll(async () => {
    bed = await startDoctorTestBed();
});
afterAll(async () => {
    await bed.close();
});

const relayConfig = (extra: Record<string, unknown> = {}) => ({
    datasets: [{ name: 'SalesMarketing', tables: salesMarketing.tables }],
    refreshTargets: [{ name: 'nightly', datasetName: 'RefreshDemo' }],
    ...extra,
});

/** A workspace where everything is right: the identity is Member, the push dataset and the model exist. */
async function healthyWorkspace(role: 'Member' | 'Viewer' = 'Member'): Promise<string> {
    const workspaceId = await bed.workspace([{ principalId: identityPrincipalId, role, displayName: 'id-api-relay' }]);
    await bed.emulator.createPushDataset({ workspaceId, dataset: salesMarketing });
    await bed.emulator.createModel({ workspaceId, name: 'RefreshDemo', tables: [{ name: 'Sales' }] });
    return workspaceId;
}

const doctor = (workspaceId: string, config: unknown = relayConfig(), clientId?: string) =>
    runDoctor({ env: bed.settings(workspaceId, bed.config(config), clientId) });

const checkNamed = (report: Awaited<ReturnType<typeof runDoctor>>, prefix: string) => {
    const check = report.checks.find((candidate) => candidate.name.startsWith(prefix));
    if (!check) throw new Error(`no check "${prefix}" in:\n${toChecklist(report)}`);
    return check;
};

describe('npm run doctor against the emulator', () => {
    it('passes every check for a Member identity with a matching push dataset and a refreshable model', async () => {
        const workspaceId = await healthyWorkspace();
        const report = await doctor(workspaceId);
        expect(toChecklist(report)).toContain('All 8 checks passed.');
        expect(report).toMatchObject({ ok: true, skipped: [] });
        expect(report.checks.map((check) => check.name)).toEqual([
            'App settings are valid',
            'Config file ' + report.checks[1]!.name.slice('Config file '.length),
            'A Power BI token can be obtained',
            'The identity has no Power BI API permissions',
            `Workspace ${workspaceId} is reachable`,
            `The identity can write in workspace ${workspaceId}`,
            'Push dataset "SalesMarketing"',
            'Refresh target "nightly"',
        ]);
        expect(checkNamed(report, 'A Power BI token').detail).toContain(
            `aud https://analysis.windows.net/powerbi/api, appid c1000000-0000-4000-8000-00000000d0c1, oid ${identityPrincipalId}`,
        );
        expect(checkNamed(report, 'The identity can write').detail).toBe('id-api-relay is Member');
    });

    it('a push dataset that does not exist yet passes: the relay creates it', async () => {
        const workspaceId = await bed.workspace([{ principalId: identityPrincipalId, role: 'Contributor' }]);
        const report = await doctor(workspaceId, relayConfig({ refreshTargets: [] }));
        expect(report.ok).toBe(true);
        expect(checkNamed(report, 'Push dataset').detail).toContain('the relay creates it on the first push');
    });

    it('an identity without a role gets 401 PowerBINotAuthorizedException and the workspace role fix', async () => {
        const workspaceId = await bed.workspace([]);
        const report = await doctor(workspaceId);
        expect(report.ok).toBe(false);
        const reachable = checkNamed(report, 'Workspace');
        expect(reachable).toMatchObject({ ok: false });
        expect(reachable.detail).toContain('401 PowerBINotAuthorizedException');
        expect(reachable.fix).toContain(
            `npm run grant-powerbi-access -- --workspace ${workspaceId} --principal-id ${identityPrincipalId}`,
        );
        // Power BI listed the identity's workspaces without this one: a role is missing, not the tenant setting.
        expect(reachable.fix).not.toContain('tenant setting');
        expect(report.skipped).toEqual([
            `the identity's role, push datasets and refresh targets in workspace ${workspaceId}: they need the workspace`,
        ]);
    });

    it('a Viewer identity can read but fails the role check, with the grant fix', async () => {
        const workspaceId = await healthyWorkspace('Viewer');
        const report = await doctor(workspaceId);
        const role = checkNamed(report, 'The identity can write');
        expect(role).toMatchObject({ ok: false });
        expect(role.detail).toContain(
            'is Viewer: it can read, but cannot create push datasets, add rows or start refreshes',
        );
        expect(role.fix).toContain('npm run grant-powerbi-access');
        expect(checkNamed(report, 'Push dataset').ok).toBe(true);
    });

    it('a wrong workspace id is a 404 with the workspace id fix and the workspaces the identity can see', async () => {
        await healthyWorkspace();
        const wrong = '0f0f0f0f-0000-4000-8000-000000000404';
        const report = await doctor(wrong);
        const reachable = checkNamed(report, 'Workspace');
        expect(reachable.detail).toContain('404 PowerBIEntityNotFound');
        expect(reachable.fix).toContain(`Check the workspace id ${wrong}: it is the GUID after /groups/`);
        expect(reachable.fix).toMatch(/The identity has a role in: Relay \w+ \([0-9a-f-]{36}\)/);
    });

    it('a same-named dataset that is not a push dataset fails with the rename fix', async () => {
        const workspaceId = await bed.workspace([{ principalId: identityPrincipalId, role: 'Member' }]);
        await bed.emulator.createModel({ workspaceId, name: 'SalesMarketing', tables: [{ name: 'Product' }] });
        const report = await doctor(workspaceId, relayConfig({ refreshTargets: [] }));
        const push = checkNamed(report, 'Push dataset');
        expect(push).toMatchObject({ ok: false });
        expect(push.detail).toContain('is not a push dataset (addRowsAPIEnabled is false)');
        expect(push.fix).toContain('Rename the configured dataset');
    });

    it('a push dataset whose table differs from the config (names are case-sensitive) fails', async () => {
        const workspaceId = await bed.workspace([{ principalId: identityPrincipalId, role: 'Member' }]);
        await bed.emulator.createPushDataset({
            workspaceId,
            dataset: {
                name: 'SalesMarketing',
                tables: [{ name: 'product', columns: [{ name: 'ProductID', dataType: 'Int64' }] }],
            },
        });
        const report = await doctor(workspaceId, relayConfig({ refreshTargets: [] }));
        const push = checkNamed(report, 'Push dataset');
        expect(push.detail).toContain('table "Product" is "product" in Power BI (names are case-sensitive)');
        expect(push.fix).toContain('so that the relay creates it again from the config');
    });

    it('refresh targets: a missing dataset, a push dataset and a shared-capacity workspace each fail with their fix', async () => {
        const workspaceId = await healthyWorkspace();
        const missing = await doctor(
            workspaceId,
            relayConfig({ refreshTargets: [{ name: 'nightly', datasetName: 'Nope' }] }),
        );
        const target = checkNamed(missing, 'Refresh target');
        expect(target.detail).toContain(
            `no dataset named "Nope" in workspace ${workspaceId}; the workspace has: "SalesMarketing"`,
        );
        expect(target.fix).toContain('a dataset id is the GUID after /datasets/');

        const pushTarget = await doctor(
            workspaceId,
            relayConfig({ refreshTargets: [{ name: 'nightly', datasetName: 'SalesMarketing' }] }),
        );
        expect(checkNamed(pushTarget, 'Refresh target').detail).toContain('it is a push dataset');

        const shared = await bed.workspace([{ principalId: identityPrincipalId, role: 'Member' }], 'Shared');
        await bed.emulator.createModel({ workspaceId: shared, name: 'RefreshDemo', tables: [{ name: 'Sales' }] });
        const onShared = await doctor(shared, relayConfig({ datasets: [] }));
        expect(checkNamed(onShared, 'Refresh target').fix).toContain('Enhanced refresh needs a Premium');
    });

    // The SDK caches tokens per client id for the whole process, so this test uses an identity no other test asked for.
    it('a failing managed identity endpoint (500 after the SDK retries) fails the token check with the credential fix', async () => {
        const workspaceId = await healthyWorkspace();
        await bed.emulator.injectFaults({ operation: 'msiToken', kind: 'status', status: 500, count: 20 });
        try {
            const report = await doctor(workspaceId, relayConfig(), spareClientId);
            const token = checkNamed(report, 'A Power BI token');
            expect(token.ok).toBe(false);
            expect(token.fix).toContain('The managed identity gave no token.');
            expect(token.fix).toContain(`AZURE_CLIENT_ID (${spareClientId})`);
            expect(report.skipped).toEqual([
                'workspace access, push datasets and refresh targets: they need a Power BI token',
            ]);
        } finally {
            await bed.emulator.clearFaults();
        }
        const tokenCalls = (await bed.emulator.requests()).filter((entry) => entry.operation === 'msiToken');
        expect(tokenCalls.at(-1)).toMatchObject({ status: 500, fault: 'status' });
    });

    it('invalid settings and an invalid config file are reported with what to change', async () => {
        const noSettings = await runDoctor({ env: { POWERBI_WORKSPACE_ID: 'not-a-guid' } });
        expect(noSettings.checks).toHaveLength(1);
        expect(noSettings.checks[0]).toMatchObject({ ok: false });
        expect(noSettings.checks[0]!.detail).toContain(
            'POWERBI_WORKSPACE_ID: must be the GUID of the Power BI workspace',
        );
        expect(noSettings.checks[0]!.fix).toContain('--settings local.settings.json');

        const workspaceId = await healthyWorkspace();
        const badConfig = await doctor(workspaceId, { datasets: [{ name: 'x', tables: [] }] });
        expect(checkNamed(badConfig, 'Config file')).toMatchObject({ ok: false });
        expect(checkNamed(badConfig, 'Workspace').ok).toBe(true);
        expect(badConfig.skipped).toEqual(['push datasets and refresh targets: they need a valid config file']);
    });

    it('a token the service calls expired (403 TokenExpired) even once renewed gets the clock and credential fix', async () => {
        const workspaceId = await healthyWorkspace();
        expect((await doctor(workspaceId)).ok).toBe(true);
        // The first token and the one renewed for the client's single retry are both refused, as with a skewed clock.
        await bed.emulator.injectFaults({ operation: 'getDatasets', kind: 'tokenExpired', count: 2 });
        const report = await doctor(workspaceId);
        await bed.emulator.clearFaults();
        const reachable = checkNamed(report, 'Workspace');
        expect(reachable.detail).toContain('403 TokenExpired');
        expect(reachable.fix).toContain("Check this machine's clock");
    });
});
