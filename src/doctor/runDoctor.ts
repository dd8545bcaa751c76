import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { RelayConfig } from '../config/relayConfig';
import { createPowerBiClient } from '../powerbi/powerBiClient';
import { createPowerBiCredential } from '../powerbi/powerBiCredential';
import type { Dataset } from '../powerbi/schemas';
import { appRoot as findAppRoot } from '../config/appRoot';
import type { DoctorCheck, DoctorReport } from './DoctorCheck';
import { checkConfig } from './checkConfig';
import { checkEventhouse } from './checkEventhouse';
import { checkPushDataset } from './checkPushDataset';
import { checkRefreshTarget } from './checkRefreshTarget';
import { checkSettings } from './checkSettings';
import { checkNoApiPermissions, checkToken } from './checkToken';
import { checkWorkspaceReachable, checkWorkspaceRole } from './checkWorkspace';
import { isUserToken, principalIdsOf } from './decodeTokenClaims';
import type { Subject, WorkspaceListingResult } from './Subject';

export interface DoctorInput {
    /** App settings, as the function app would see them. */
    env: NodeJS.ProcessEnv;
    /**
     * The managed identity's object id, when the token is not its own (the deployer's, from a developer
     * machine): its role is then looked up in the workspace's users.
     */
    principalId?: string;
    /** Where relative config paths resolve; default the app's root folder, as in the app. */
    appRoot?: string;
    /** Default: the app's own credential for these settings (src/powerbi/powerBiCredential.ts). */
    credential?: TokenCredential;
    /** The SDK pipeline's transport; default Node's http/https. */
    httpClient?: HttpClient;
}

const lower = (id: string) => id.toLowerCase();

/** The workspaces the relay uses: the default one, then any a dataset or refresh target names. */
function workspacesOf(defaultWorkspaceId: string, config: RelayConfig | undefined): string[] {
    const ids = [
        defaultWorkspaceId,
        ...(config?.datasets ?? []).map((dataset) => dataset.workspaceId ?? defaultWorkspaceId),
        ...(config?.refreshTargets ?? []).map((target) => target.workspaceId ?? defaultWorkspaceId),
    ].map(lower);
    return [...new Set(ids)];
}

/**
 * Checks, in order, what the relay needs from its settings, its Eventhouse (when a dataset has the eventhouse
 * sink) and Power BI, and says how to fix
 * each problem. Expected failures are checks with ok: false; a check whose prerequisite failed is
 * listed in `skipped` instead of being run.
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
    const checks: DoctorCheck[] = [];
    const skipped: string[] = [];
    const report = (): DoctorReport => ({ ok: checks.every((check) => check.ok), checks, skipped });

    const settingsStep = checkSettings(input.env);
    checks.push(settingsStep.check);
    const settings = settingsStep.settings;
    if (!settings) {
        skipped.push(
            'config file, Power BI token, workspace access, push datasets and refresh targets: they need valid app settings',
        );
        return report();
    }

    const configStep = checkConfig(settings, input.appRoot ?? findAppRoot());
    checks.push(configStep.check);
    const config = configStep.config;

    const credential = input.credential ?? createPowerBiCredential(settings);
    if (config) {
        const eventhouse = await checkEventhouse(settings, config, credential, input.httpClient);
        checks.push(...eventhouse.checks);
        skipped.push(...eventhouse.skipped);
    }
    const tokenStep = await checkToken(settings, credential);
    checks.push(tokenStep.check);
    if (!tokenStep.token) {
        skipped.push('workspace access, push datasets and refresh targets: they need a Power BI token');
        return report();
    }
    const { claims } = tokenStep.token;
    const tokenIds = principalIdsOf(claims);
    const principalId = input.principalId ?? claims.oid ?? claims.appid ?? '<object id of the managed identity>';
    const subject: Subject = {
        principalId,
        ids: [...new Set([...(input.principalId ? [lower(input.principalId)] : tokenIds)])],
        ownToken: input.principalId === undefined || tokenIds.includes(lower(input.principalId)),
    };
    if (subject.ownToken && !isUserToken(claims)) checks.push(checkNoApiPermissions(claims, principalId));

    const client = createPowerBiClient({
        baseUrl: settings.POWERBI_API_BASE_URL,
        credential,
        scope: settings.POWERBI_SCOPE,
        timeoutMs: settings.POWERBI_TIMEOUT_MS,
        ...(input.httpClient ? { httpClient: input.httpClient } : {}),
    });
    const groups: WorkspaceListingResult = await client.getGroups();

    const datasetsIn = new Map<string, Dataset[]>();
    for (const workspaceId of workspacesOf(settings.POWERBI_WORKSPACE_ID, config)) {
        const reachable = await checkWorkspaceReachable(client, workspaceId, subject, groups);
        checks.push(reachable.check);
        if (!reachable.datasets) {
            skipped.push(
                `the identity's role, push datasets and refresh targets in workspace ${workspaceId}: they need the workspace`,
            );
            continue;
        }
        datasetsIn.set(workspaceId, reachable.datasets);
        checks.push(await checkWorkspaceRole(client, workspaceId, subject, groups));
    }

    if (!config) {
        skipped.push('push datasets and refresh targets: they need a valid config file');
        return report();
    }
    for (const dataset of config.datasets) {
        // An Eventhouse-only dataset has no push dataset (its checks ran above).
        if (!dataset.sinks.includes('powerBi')) continue;
        const workspaceId = lower(dataset.workspaceId ?? settings.POWERBI_WORKSPACE_ID);
        const datasets = datasetsIn.get(workspaceId);
        if (datasets) checks.push(await checkPushDataset(client, dataset, workspaceId, principalId, datasets));
    }
    for (const target of config.refreshTargets) {
        const workspaceId = lower(target.workspaceId ?? settings.POWERBI_WORKSPACE_ID);
        const datasets = datasetsIn.get(workspaceId);
        const listing = groups.ok ? groups.value.find((workspace) => lower(workspace.id) === workspaceId) : undefined;
        if (datasets) checks.push(checkRefreshTarget(target, workspaceId, datasets, listing));
    }
    return report();
}
