import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kustoAudience, startKustoEmulator, type RunningKustoEmulator } from '../../kusto-emulator';
import { runDoctor } from '../../src/doctor/runDoctor';
import { toChecklist } from '../../src/doctor/toChecklist';
import { applyEventhouseSetup } from '../../src/eventhouse/applyEventhouseSetup';
import { createEventhouseClient } from '../../src/eventhouse/eventhouseClient';
import { toEventhouseSetupTargets } from '../../src/eventhouse/toEventhouseSetupTargets';
import { parseRelayConfig } from '../../src/config/relayConfig';
import {
    adminPrincipalId,
    identityClientId,
    identityPrincipalId,
    salesMarketing,
    startDoctorTestBed,
    type DoctorTestBed,
} from './doctorTestBed';

const db = 'Telemetry';
const adminClientId = 'c1000000-0000-4000-8000-00000000d0ad';
let bed: DoctorTestBed;
let kusto: RunningKustoEmulator;
let workspaceId: string;

const relayConfig = {
    datasets: [{ name: 'SalesMarketing', tables: salesMarketing.tables, eventhouse: { database: db } }],
};

beforeAll(async () => {
    bed = await startDoctorTestBed();
    kusto = await startKustoEmulator({
        tokenSigningKey: bed.emulator.tokenSigningKey,
        now: () => bed.emulator.clock.now(),
    });
    workspaceId = await bed.workspace([
        { principalId: identityPrincipalId, role: 'Member', displayName: 'id-api-relay' },
    ]);
    await bed.emulator.createPushDataset({ workspaceId, dataset: salesMarketing });
});
afterAll(async () => {
    await kusto.close();
    await bed.close();
});
beforeEach(async () => {
    await kusto.reset();
});

const identity = `aadapp=${identityClientId}`;

/** The database with the identity in the given roles, set up by fabric-setup's code as a database Admin, or not. */
async function database(roles: { ingestor: boolean; viewer: boolean }, setUp: boolean): Promise<void> {
    await kusto.createDatabase({
        name: db,
        admins: [`aadapp=${adminClientId}`],
        ingestors: roles.ingestor ? [identity] : [],
        viewers: roles.viewer ? [identity] : [],
    });
    if (!setUp) return;
    const admin = createEventhouseClient({
        queryServiceUri: kusto.url,
        scope: 'https://kusto.kusto.windows.net/.default',
        credential: {
            getToken: async () => ({
                token: (
                    await bed.emulator.issueToken({
                        principalId: adminPrincipalId,
                        clientId: adminClientId,
                        audience: kustoAudience,
                    })
                ).access_token,
                expiresOnTimestamp: Date.now() + 3_600_000,
            }),
        },
    });
    const [target] = toEventhouseSetupTargets(parseRelayConfig(relayConfig, 'test'), kusto.url);
    expect((await applyEventhouseSetup(admin, target!.desired)).outcome).toBe('done');
}

const doctor = () =>
    runDoctor({
        env: { ...bed.settings(workspaceId, bed.config(relayConfig)), EVENTHOUSE_QUERY_SERVICE_URI: kusto.url },
    });

const eventhouseChecks = (report: Awaited<ReturnType<typeof runDoctor>>) =>
    report.checks.filter((check) => /Eventhouse|Ingestor/.test(check.name));

describe('npm run doctor: the Eventhouse side', () => {
    it('passes with the table, mapping and view set up and the identity Ingestor and Viewer', async () => {
        await database({ ingestor: true, viewer: true }, true);
        const report = await doctor();
        expect(report.ok).toBe(true);
        expect(eventhouseChecks(report).map((check) => `${check.ok ? 'ok' : 'FAIL'} ${check.name}`)).toEqual([
            'ok An Eventhouse token can be obtained',
            `ok Eventhouse database '${db}' is reachable`,
            "ok Eventhouse table 'Product' (SalesMarketing/Product) has its mapping and dedup view",
            `ok The identity ${identityClientId} has the Ingestor and Viewer roles on '${db}'`,
        ]);
        expect(toChecklist(report)).toContain('All 11 checks passed.');
    });

    it('checks no push dataset for a dataset with the eventhouse sink alone', async () => {
        await database({ ingestor: true, viewer: true }, true);
        const only = { datasets: [{ ...relayConfig.datasets[0]!, name: 'EventhouseOnly', sinks: ['eventhouse'] }] };
        const report = await runDoctor({
            env: { ...bed.settings(workspaceId, bed.config(only)), EVENTHOUSE_QUERY_SERVICE_URI: kusto.url },
        });
        expect(report.ok).toBe(true);
        expect(report.checks.some((check) => check.name.startsWith('Push dataset'))).toBe(false);
        expect(eventhouseChecks(report).filter((check) => check.ok)).toHaveLength(4);
    });

    it('names what fabric-setup still has to create', async () => {
        await database({ ingestor: true, viewer: true }, false);
        const report = await doctor();
        const table = eventhouseChecks(report).find((check) => check.name.startsWith("Eventhouse table 'Product'"));
        expect(table).toMatchObject({ ok: false, fix: expect.stringContaining('npm run fabric-setup') });
        expect(table?.detail).toContain(
            "table 'Product': needs create; mapping 'Product_json' of table 'Product': needs create",
        );
    });

    it('fails the role check when the identity is a Viewer but not an Ingestor', async () => {
        await database({ ingestor: false, viewer: true }, true);
        const role = eventhouseChecks(await doctor()).find((check) => check.name.startsWith('The identity'));
        expect(role).toMatchObject({
            ok: false,
            detail: expect.stringContaining('Ingestor: reading the ingestion mappings was refused (403)'),
        });
    });

    it('fails the database check with the Viewer fix when the identity has no role', async () => {
        await database({ ingestor: false, viewer: false }, true);
        const report = await doctor();
        const reach = eventhouseChecks(report).find((check) => check.name.includes('is reachable'));
        expect(reach).toMatchObject({
            ok: false,
            fix: expect.stringContaining(`needs the Viewer role on database '${db}'`),
        });
        expect(report.skipped).toContain(`Eventhouse tables and roles of database '${db}': they need the database`);
    });
});
