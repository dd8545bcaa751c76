/**
 * Creates or checks what the Eventhouse sink needs in each KQL database the config names: the tables, their JSON
 * mappings, the deduplicating materialized views, and the managed identity's Ingestor and Viewer roles. Fabric items
 * cannot be created by Bicep, so this runs after `azd up`, as the signed-in deployer (`az login`). Idempotent: a second
 * run changes nothing. A column type change is reported, never made by dropping.
 *
 *   npm run fabric-setup [-- --config pbi-relay.config.json] [--dry-run]
 *
 * Inputs (flags win over the environment; missing identity values are read from `azd env get-values`):
 *   --config             PBI_RELAY_CONFIG                 the relay config (default pbi-relay.config.json)
 *   --query-service-uri  EVENTHOUSE_QUERY_SERVICE_URI     for datasets whose eventhouse names none; else found with:
 *   --workspace          FABRIC_WORKSPACE_ID              the Fabric workspace holding the Eventhouse (Fabric REST API)
 *   --eventhouse         FABRIC_EVENTHOUSE                its display name or id, when the workspace holds several
 *   --client-id          MANAGED_IDENTITY_CLIENT_ID       the relay's managed identity (azd output)
 *   --tenant-id          AZURE_TENANT_ID                  its tenant
 *   --skip-roles                                          grant no roles (they are granted another way)
 *                        EVENTHOUSE_SCOPE, FABRIC_API_BASE_URL
 */
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { appRoot } from '../src/config/appRoot';
import { hasEventhouseSink, loadRelayConfig, type RelayConfig } from '../src/config/relayConfig';
import { resolveConfigPath } from '../src/config/resolveConfigPath';
import { settingsSchema } from '../src/config/settings';
import { applyEventhouseSetup, describeSetupError, type SetupItemResult } from '../src/eventhouse/applyEventhouseSetup';
import { createEventhouseClient } from '../src/eventhouse/eventhouseClient';
import { createFabricClient, FabricApiError, type FabricClient } from '../src/eventhouse/fabricClient';
import type { RelayIdentity, SetupItem } from '../src/eventhouse/planEventhouseSetup';
import { toEventhouseSetupTargets } from '../src/eventhouse/toEventhouseSetupTargets';
import { deployerCredential } from './deployerToken';
import { readAzdEnv } from './grantPowerBiAccess';
import { nonEmpty, parseCliOptions, UsageError } from './parseCliOptions';
import { runCli } from './runCli';

const usage = `Usage: npm run fabric-setup [-- --config <file>] [--dry-run] [--query-service-uri <uri> | --workspace <id> [--eventhouse <name or id>]]
                          [--client-id <guid>] [--tenant-id <guid>] [--skip-roles]
Creates or checks the Eventhouse tables, JSON mappings, dedup views and the managed identity's Ingestor and Viewer
roles for every dataset with the eventhouse sink, as the signed-in user (az login). --dry-run prints the plan only.`;

const guid = z.guid();
const settingsPart = settingsSchema.pick({
    PBI_RELAY_CONFIG: true,
    EVENTHOUSE_QUERY_SERVICE_URI: true,
    EVENTHOUSE_SCOPE: true,
});

export interface FabricSetupDependencies {
    env: Record<string, string | undefined>;
    /** Default: the signed-in deployer (Azure CLI, then azd), for the Kusto and the Fabric scopes. */
    credential?: TokenCredential;
    httpClient?: HttpClient;
    readAzdEnv?: () => Promise<Record<string, string>>;
    /** Between polls of a view's backfill operation. */
    sleep?: (ms: number) => Promise<void>;
    log?: (line: string) => void;
    error?: (line: string) => void;
}

const resultLabels: Record<SetupItemResult, string> = {
    ok: 'in place',
    planned: 'to do',
    applied: 'done',
    blocked: 'BLOCKED',
    failed: 'FAILED',
};

/** Runs the setup; returns the exit code (0 done or planned, 1 a problem in a database, 2 bad input). */
export async function main(argv: readonly string[], deps: FabricSetupDependencies): Promise<number> {
    const log = deps.log ?? ((line: string) => console.log(line));
    const error = deps.error ?? ((line: string) => console.error(line));
    let env = deps.env;
    let config: RelayConfig;
    let options;
    try {
        const values = parseCliOptions(
            argv,
            {
                config: { type: 'string' },
                'dry-run': { type: 'boolean', default: false },
                'query-service-uri': { type: 'string' },
                workspace: { type: 'string' },
                eventhouse: { type: 'string' },
                'client-id': { type: 'string' },
                'tenant-id': { type: 'string' },
                'skip-roles': { type: 'boolean', default: false },
                help: { type: 'boolean', short: 'h', default: false },
            },
            (message) => new UsageError(message),
        );
        if (values.help) {
            log(usage);
            return 0;
        }
        if (!values['skip-roles'] && !nonEmpty(values['client-id'] ?? env.MANAGED_IDENTITY_CLIENT_ID)) {
            env = {
                ...(await (deps.readAzdEnv ?? readAzdEnv)()),
                ...Object.fromEntries(Object.entries(env).filter(([, value]) => nonEmpty(value))),
            };
        }
        const settings = settingsPart.safeParse(
            Object.fromEntries(Object.entries(env).filter(([, value]) => nonEmpty(value))),
        );
        if (!settings.success) throw new UsageError(`Invalid settings: ${z.prettifyError(settings.error)}`);
        const configPath = resolveConfigPath(values.config ?? settings.data.PBI_RELAY_CONFIG, appRoot());
        try {
            config = loadRelayConfig(configPath);
        } catch (problem) {
            error((problem as Error).message);
            return 2;
        }
        // Before the identity is asked for: with no eventhouse sink there is nothing to set up, and nothing is needed.
        if (!hasEventhouseSink(config)) {
            log(`pbi-relay fabric-setup: no dataset in ${configPath} has the eventhouse sink; nothing to set up.`);
            return 0;
        }
        const clientId = nonEmpty(values['client-id'] ?? env.MANAGED_IDENTITY_CLIENT_ID);
        const tenantId = nonEmpty(values['tenant-id'] ?? env.AZURE_TENANT_ID);
        if (!values['skip-roles'] && !guid.safeParse(clientId).success) {
            throw new UsageError(
                "The managed identity's client id is needed for its roles: --client-id, MANAGED_IDENTITY_CLIENT_ID or the azd environment (or --skip-roles)",
            );
        }
        if (tenantId !== undefined && !guid.safeParse(tenantId).success)
            throw new UsageError('--tenant-id must be a GUID');
        options = {
            dryRun: values['dry-run'],
            queryServiceUri: nonEmpty(values['query-service-uri']) ?? settings.data.EVENTHOUSE_QUERY_SERVICE_URI,
            workspace: nonEmpty(values.workspace ?? env.FABRIC_WORKSPACE_ID),
            eventhouse: nonEmpty(values.eventhouse ?? env.FABRIC_EVENTHOUSE),
            scope: settings.data.EVENTHOUSE_SCOPE,
            identity: values['skip-roles']
                ? undefined
                : ({ clientId: clientId!, ...(tenantId ? { tenantId } : {}) } satisfies RelayIdentity),
        };
    } catch (problem) {
        if (!(problem instanceof UsageError)) throw problem;
        error(`${problem.message}\n\n${usage}`);
        return 2;
    }

    let targets;
    try {
        targets = toEventhouseSetupTargets(config, options.queryServiceUri, options.identity);
    } catch (problem) {
        // Two Power BI tables that give one Kusto table different shapes.
        error((problem as Error).message);
        return 2;
    }

    const credential = deps.credential ?? deployerCredential(nonEmpty(env.AZURE_TENANT_ID), 'the Eventhouse');
    const httpClient = deps.httpClient ? { httpClient: deps.httpClient } : {};
    let fabric: FabricClient | undefined;
    // The workspace's Eventhouses and KQL databases, listed once for every database the config names.
    let workspaceItems: Promise<WorkspaceItems> | undefined;
    const counts: Record<SetupItemResult, number> = { ok: 0, planned: 0, applied: 0, blocked: 0, failed: 0 };
    let failedDatabases = 0;
    for (const target of targets) {
        const { database } = target.desired;
        let queryServiceUri = target.queryServiceUri;
        try {
            if (queryServiceUri === undefined) {
                const workspace = options.workspace;
                if (!workspace) throw new Error(noQueryServiceUri);
                fabric ??= createFabricClient({
                    baseUrl: nonEmpty(env.FABRIC_API_BASE_URL),
                    credential,
                    ...httpClient,
                });
                workspaceItems ??= listWorkspaceItems(fabric, workspace);
                queryServiceUri = findQueryServiceUri(await workspaceItems, workspace, options.eventhouse, database);
            }
        } catch (problem) {
            error(`database '${database}': ${(problem as Error).message}`);
            failedDatabases += 1;
            continue;
        }
        log(
            `pbi-relay fabric-setup: database '${database}' at ${queryServiceUri} (${target.desired.tables.length} table(s)` +
                `${options.identity ? `, roles for aadapp=${options.identity.clientId}` : ', no roles'})${options.dryRun ? ', dry run' : ''}`,
        );
        const client = createEventhouseClient({ queryServiceUri, credential, scope: options.scope, ...httpClient });
        const onItem = (item: SetupItem, result: SetupItemResult) => {
            counts[result] += 1;
            const change = item.outcome.kind === 'step' && result !== 'ok' ? ` (${item.outcome.change})` : '';
            log(`  ${resultLabels[result].padEnd(9)} ${item.subject}${change}`);
            if (options.dryRun && item.outcome.kind === 'step') log(`            ${item.outcome.command}`);
        };
        try {
            const report = await applyEventhouseSetup(client, target.desired, {
                dryRun: options.dryRun,
                onItem,
                ...(deps.sleep ? { sleep: deps.sleep } : {}),
            });
            if (report.outcome === 'blocked' || report.outcome === 'failed') {
                failedDatabases += 1;
                for (const problem of report.problems) error(`database '${database}': ${problem}`);
                if (report.outcome === 'blocked') error(`database '${database}': nothing was changed.`);
            }
        } catch (problem) {
            failedDatabases += 1;
            error(`database '${database}': could not read its state: ${describeSetupError(problem, target.desired)}`);
        }
    }
    log(
        `pbi-relay fabric-setup: ${counts.ok} in place, ${counts.applied} done, ${counts.planned} to do, ` +
            `${counts.blocked + counts.failed} blocked or failed; ${failedDatabases} of ${targets.length} database(s) with problems.`,
    );
    return failedDatabases > 0 ? 1 : 0;
}

const noQueryServiceUri =
    'no query service URI: set eventhouse.queryServiceUri in the config, EVENTHOUSE_QUERY_SERVICE_URI or ' +
    '--query-service-uri, or give --workspace (FABRIC_WORKSPACE_ID) to find it through the Fabric API';

interface WorkspaceItems {
    eventhouses: Awaited<ReturnType<FabricClient['listEventhouses']>>;
    databases: Awaited<ReturnType<FabricClient['listKqlDatabases']>>;
}

/** The workspace's Eventhouses and KQL databases, through the Fabric REST API; its refusals explained. */
async function listWorkspaceItems(fabric: FabricClient, workspace: string): Promise<WorkspaceItems> {
    try {
        const [eventhouses, databases] = await Promise.all([
            fabric.listEventhouses(workspace),
            fabric.listKqlDatabases(workspace),
        ]);
        return { eventhouses, databases };
    } catch (problem) {
        if (!(problem instanceof FabricApiError)) throw problem;
        const hint =
            problem.status === 401 || problem.status === 403
                ? ': sign in (az login) as a user with a role in the Fabric workspace'
                : problem.status === 404
                  ? ': check the workspace id (the GUID after /groups/ in the Fabric URL)'
                  : '';
        if (problem.status === undefined) throw new Error(problem.message);
        const answer = [problem.status, problem.errorCode].filter(Boolean).join(' ');
        throw new Error(`the Fabric API refused to list the workspace's items (${answer}): ${problem.message}${hint}`);
    }
}

/** The query service URI of the Eventhouse in the workspace that holds `database`. */
function findQueryServiceUri(
    { eventhouses, databases }: WorkspaceItems,
    workspace: string,
    eventhouse: string | undefined,
    database: string,
): string {
    const holding = databases.find((candidate) => candidate.displayName === database);
    const matching = eventhouses.filter((candidate) =>
        eventhouse === undefined
            ? holding === undefined || candidate.id === holding.properties.parentEventhouseItemId
            : candidate.displayName === eventhouse || candidate.id.toLowerCase() === eventhouse.toLowerCase(),
    );
    if (matching.length === 1) return matching[0]!.properties.queryServiceUri;
    const names = eventhouses.map((candidate) => `'${candidate.displayName}'`).join(', ') || 'none';
    throw new Error(
        matching.length === 0
            ? `workspace ${workspace} holds no Eventhouse ${eventhouse ? `'${eventhouse}'` : `with KQL database '${database}'`} (Eventhouses: ${names}); create it in Fabric first`
            : `workspace ${workspace} holds several Eventhouses (${names}); name one with --eventhouse (FABRIC_EVENTHOUSE)`,
    );
}

if (require.main === module) runCli(() => main(process.argv.slice(2), { env: process.env }));
