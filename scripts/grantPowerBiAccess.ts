/**
 * Gives the app's managed identity a role in the Power BI workspace, as the signed-in deployer
 * (`az login`): the one step of access that Bicep cannot do. Idempotent: it reads the workspace's users
 * first, adds the identity when absent (Groups - Add Group User), raises its role when lower (Groups -
 * Update Group User), and leaves an equal or higher role alone.
 *
 *   npm run grant-powerbi-access [-- --role Contributor]
 *
 * Inputs (flags win over the environment; missing ones are read from `azd env get-values`):
 *   --workspace    POWERBI_WORKSPACE_ID            the workspace (group) GUID
 *   --principal-id MANAGED_IDENTITY_PRINCIPAL_ID   the identity's service principal object id (azd output)
 *   --client-id    MANAGED_IDENTITY_CLIENT_ID      its client id (optional; only used to recognise it)
 *   --role         POWERBI_WORKSPACE_ROLE          Member (default), Contributor or Admin
 *                  POWERBI_API_BASE_URL            default https://api.powerbi.com/v1.0/myorg (the emulator's URL in tests)
 *                  POWERBI_SCOPE, AZURE_TENANT_ID  token scope and tenant for the Azure CLI credential
 * See infra/README.md, "Power BI access", for the tenant setting and security group this relies on.
 */
import { execFile } from 'node:child_process';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { createPowerBiClient } from '../src/powerbi/powerBiClient';
import type { PowerBiFailure } from '../src/powerbi/powerBiFailure';
import type { WorkspaceUser } from '../src/powerbi/schemas';
import { deployerCredential } from './deployerToken';
import { describeZodError } from '../src/config/describeZodError';
import { runCli } from './runCli';
import { nonEmpty, parseCliOptions } from './parseCliOptions';

export const grantableRoles = ['Member', 'Contributor', 'Admin'] as const;
export type GrantableRole = (typeof grantableRoles)[number];

/** Workspace roles from least to most access (Contributor cannot share; Member can; Admin can manage). */
const roleRank: Record<string, number> = { none: 0, viewer: 1, contributor: 2, member: 3, admin: 4 };

export const defaultBaseUrl = 'https://api.powerbi.com/v1.0/myorg';
export const defaultScope = 'https://analysis.windows.net/powerbi/api/.default';

export const grantRequestSchema = z.object({
    workspaceId: z.guid({ error: 'must be the GUID of the Power BI workspace (POWERBI_WORKSPACE_ID or --workspace)' }),
    principalId: z.guid({
        error: 'must be the object id of the managed identity (MANAGED_IDENTITY_PRINCIPAL_ID or --principal-id)',
    }),
    clientId: z
        .guid({ error: 'must be the client id of the managed identity (MANAGED_IDENTITY_CLIENT_ID or --client-id)' })
        .optional(),
    role: z.enum(grantableRoles, { error: `must be one of ${grantableRoles.join(', ')}` }).default('Member'),
});
export type GrantRequest = z.infer<typeof grantRequestSchema>;

export interface GrantDependencies {
    /** The signed-in deployer's credential (Azure CLI or azd). */
    credential: TokenCredential;
    baseUrl?: string;
    scope?: string;
    timeoutMs?: number;
    httpClient?: HttpClient;
}

export type GrantResult =
    | { outcome: 'added'; role: GrantableRole }
    | { outcome: 'updated'; role: GrantableRole; previousRole: string }
    | { outcome: 'unchanged'; role: string };

export class PowerBiAccessError extends Error {
    override name = 'PowerBiAccessError';
    constructor(
        message: string,
        readonly status?: number,
        readonly code?: string,
    ) {
        super(message);
    }
}

/** Finds the identity among the workspace's users, by object id or client id, case-insensitively. */
export function findPrincipal(
    users: readonly WorkspaceUser[],
    request: Pick<GrantRequest, 'principalId' | 'clientId'>,
): WorkspaceUser | undefined {
    const ids = new Set(
        [request.principalId, request.clientId].filter((id): id is string => !!id).map((id) => id.toLowerCase()),
    );
    return users.find(
        (user) =>
            (user.principalType === undefined || user.principalType.toLowerCase() === 'app') &&
            [user.identifier, user.graphId].some((id) => id !== undefined && ids.has(id.toLowerCase())),
    );
}

export async function grantWorkspaceAccess(request: GrantRequest, deps: GrantDependencies): Promise<GrantResult> {
    const base = (deps.baseUrl ?? defaultBaseUrl).replace(/\/+$/, '');
    const client = createPowerBiClient({
        baseUrl: base,
        credential: deps.credential,
        scope: deps.scope ?? defaultScope,
        timeoutMs: deps.timeoutMs ?? 30_000,
        ...(deps.httpClient ? { httpClient: deps.httpClient } : {}),
    });
    const orFail = <T>(step: string, result: { ok: true; value: T } | { ok: false; failure: PowerBiFailure }): T => {
        if (!result.ok) throw failure(step, result.failure, request, base);
        return result.value;
    };

    const users = orFail('list the workspace users', await client.getGroupUsers(request.workspaceId));
    const existing = findPrincipal(users, request);
    const userDetails = {
        identifier: request.principalId,
        principalType: 'App' as const,
        groupUserAccessRight: request.role,
    };
    if (!existing) {
        orFail(
            `add the managed identity as ${request.role}`,
            await client.addGroupUser(request.workspaceId, userDetails),
        );
        return { outcome: 'added', role: request.role };
    }
    const current = existing.groupUserAccessRight;
    if ((roleRank[current.toLowerCase()] ?? 0) >= roleRank[request.role.toLowerCase()]!) {
        return { outcome: 'unchanged', role: current };
    }
    // Update by the identifier Power BI itself reports for the identity.
    orFail(
        `change the managed identity's role from ${current} to ${request.role}`,
        await client.updateGroupUser(request.workspaceId, {
            ...userDetails,
            identifier: existing.identifier ?? request.principalId,
        }),
    );
    return { outcome: 'updated', role: request.role, previousRole: current };
}

/** Turns a failed call into the fix, for the status codes that users meet while setting up access. */
export function failure(
    step: string,
    problem: PowerBiFailure,
    request: GrantRequest,
    base: string,
): PowerBiAccessError {
    if (problem.status === undefined || problem.code === 'NoAccessToken') {
        // No answer from Power BI: the network, a timeout or the sign-in failed.
        return new PowerBiAccessError(`Could not reach Power BI at ${base} to ${step}: ${problem.message}`);
    }
    if (problem.status < 300) {
        return new PowerBiAccessError(
            `Power BI answered the request to ${step} with an unexpected shape: ${problem.message}`,
        );
    }
    const { code, status } = problem;
    const message = problem.message === `HTTP ${status}` ? undefined : problem.message;
    const detail = [code, message].filter(Boolean).join(': ');
    const head = `Power BI refused to ${step} (HTTP ${status}${detail ? `, ${detail}` : ''}).`;
    const tail = problem.requestId ? `\nPower BI request id: ${problem.requestId}` : '';
    const accessSteps = [
        'Power BI access for the managed identity needs all of these (infra/README.md, "Power BI access"):',
        '  1. Tenant setting: a Fabric administrator enables "Service principals can use Fabric APIs"',
        '     (Admin portal > Tenant settings > Developer settings), applied to a security group.',
        '  2. Security group: the managed identity is a member of that group:',
        `       az ad group member add --group "<security group name or id>" --member-id ${request.principalId}`,
        '     Tenant-setting and group changes can take about 15 minutes to apply.',
        `  3. Workspace role: you, the signed-in user running this script, are Admin of workspace ${request.workspaceId}`,
        '     (a Member can grant Member or Contributor, not Admin). Check with `az account show` that you',
        '     are signed in to the tenant that holds the workspace (`az login --tenant <tenant id>`).',
    ];
    switch (status) {
        case 401:
            return new PowerBiAccessError(
                [
                    head,
                    'The access token was not accepted: sign in again with `az login` (the account needs a Power BI license).',
                    ...accessSteps,
                ].join('\n') + tail,
                401,
                code,
            );
        case 403:
            return new PowerBiAccessError([head, ...accessSteps].join('\n') + tail, 403, code);
        case 404:
            return new PowerBiAccessError(
                [
                    head,
                    `Workspace ${request.workspaceId} was not found at ${base}, or you have no access to it.`,
                    'POWERBI_WORKSPACE_ID is the GUID after /groups/ in the workspace URL (https://app.powerbi.com/groups/<id>/...);',
                    '"My workspace" cannot be used by a service principal.',
                ].join('\n') + tail,
                404,
                code,
            );
        case 400:
            return new PowerBiAccessError(
                [
                    head,
                    `Check that ${request.principalId} is the managed identity's object (principal) id, not its client id,`,
                    'and that the tenant setting below already includes its security group:',
                    ...accessSteps,
                ].join('\n') + tail,
                400,
                code,
            );
        case 429: {
            const retryAfter = problem.kind === 'throttled' ? problem.retryAfterSeconds : undefined;
            return new PowerBiAccessError(
                `${head}\nPower BI is throttling; run the script again${retryAfter === undefined ? ' later' : ` after ${retryAfter} s`}.${tail}`,
                429,
                code,
            );
        }
        default:
            return new PowerBiAccessError(head + tail, status, code);
    }
}

export interface CliOptions {
    workspace?: string;
    principalId?: string;
    clientId?: string;
    role?: string;
    help?: boolean;
}

export function parseArgs(argv: readonly string[]): CliOptions {
    const values = parseCliOptions(
        argv,
        {
            workspace: { type: 'string' },
            'principal-id': { type: 'string' },
            'client-id': { type: 'string' },
            role: { type: 'string' },
            help: { type: 'boolean', short: 'h' },
        },
        (message) =>
            new PowerBiAccessError(`${message}. Options: --workspace, --principal-id, --client-id, --role, --help`),
    );
    return {
        workspace: values.workspace,
        principalId: values['principal-id'],
        clientId: values['client-id'],
        role: values.role,
        help: values.help,
    };
}

/** Builds the request from flags and environment; a role's case is forgiven (member -> Member). */
export function resolveRequest(options: CliOptions, env: Record<string, string | undefined>): GrantRequest {
    const rawRole = nonEmpty(options.role) ?? nonEmpty(env.POWERBI_WORKSPACE_ROLE);
    const role = grantableRoles.find((r) => r.toLowerCase() === rawRole?.toLowerCase()) ?? rawRole;
    const parsed = grantRequestSchema.safeParse({
        workspaceId: nonEmpty(options.workspace) ?? nonEmpty(env.POWERBI_WORKSPACE_ID),
        principalId: nonEmpty(options.principalId) ?? nonEmpty(env.MANAGED_IDENTITY_PRINCIPAL_ID),
        clientId: nonEmpty(options.clientId) ?? nonEmpty(env.MANAGED_IDENTITY_CLIENT_ID),
        role,
    });
    if (!parsed.success) {
        const names: Record<string, string> = {
            workspaceId: 'workspace',
            principalId: 'principal id',
            clientId: 'client id',
            role: 'role',
        };
        const problems = describeZodError(parsed.error, {
            name: (path) => names[String(path[0])] ?? path.map(String).join('.'),
        });
        throw new PowerBiAccessError(`Cannot grant Power BI access: ${problems}`);
    }
    return parsed.data;
}

/** The azd environment's values (outputs of main.bicep included), or {} when azd is absent or fails. */
export function readAzdEnv(): Promise<Record<string, string>> {
    return new Promise((resolve) => {
        execFile(
            'azd',
            ['env', 'get-values', '--output', 'json'],
            { timeout: 20_000, shell: process.platform === 'win32' },
            (error, stdout) => {
                if (error) return resolve({});
                try {
                    const parsed = z.record(z.string(), z.string()).safeParse(JSON.parse(stdout));
                    resolve(parsed.success ? parsed.data : {});
                } catch {
                    resolve({});
                }
            },
        );
    });
}

export interface MainDependencies {
    env: Record<string, string | undefined>;
    /** Default: the signed-in deployer (Azure CLI, then azd). */
    credential?: TokenCredential;
    httpClient?: HttpClient;
    readAzdEnv?: () => Promise<Record<string, string>>;
    log?: (line: string) => void;
    error?: (line: string) => void;
}

const usage = `Usage: npm run grant-powerbi-access [-- --workspace <guid>] [--principal-id <guid>] [--client-id <guid>] [--role Member|Contributor|Admin]
Grants the app's managed identity a role in the Power BI workspace, as the signed-in Azure CLI user.
Defaults come from POWERBI_WORKSPACE_ID, MANAGED_IDENTITY_PRINCIPAL_ID, MANAGED_IDENTITY_CLIENT_ID and
POWERBI_WORKSPACE_ROLE, or from the azd environment (azd env get-values).`;

/** Runs the grant; returns the process exit code (0 done, 1 Power BI or sign-in failure, 2 bad input). */
export async function main(argv: readonly string[], deps: MainDependencies): Promise<number> {
    const log = deps.log ?? ((line: string) => console.log(line));
    const error = deps.error ?? ((line: string) => console.error(line));
    let request: GrantRequest;
    let env = deps.env;
    try {
        const options = parseArgs(argv);
        if (options.help) {
            log(usage);
            return 0;
        }
        const needsAzd =
            !nonEmpty(options.workspace ?? env.POWERBI_WORKSPACE_ID) ||
            !nonEmpty(options.principalId ?? env.MANAGED_IDENTITY_PRINCIPAL_ID);
        if (needsAzd)
            env = {
                ...(await (deps.readAzdEnv ?? readAzdEnv)()),
                ...Object.fromEntries(Object.entries(env).filter(([, v]) => nonEmpty(v))),
            };
        request = resolveRequest(options, env);
    } catch (problem) {
        error(`${(problem as Error).message}\n\n${usage}`);
        return 2;
    }

    const baseUrl = nonEmpty(env.POWERBI_API_BASE_URL) ?? defaultBaseUrl;
    const credential = deps.credential ?? deployerCredential(nonEmpty(env.AZURE_TENANT_ID), 'Power BI');
    log(
        `pbi-relay: granting ${request.role} on Power BI workspace ${request.workspaceId} to managed identity ${request.principalId} (${baseUrl})`,
    );
    try {
        const result = await grantWorkspaceAccess(request, {
            credential,
            baseUrl,
            scope: nonEmpty(env.POWERBI_SCOPE) ?? defaultScope,
            ...(deps.httpClient ? { httpClient: deps.httpClient } : {}),
        });
        switch (result.outcome) {
            case 'added':
                log(`pbi-relay: added the managed identity to the workspace as ${result.role}.`);
                break;
            case 'updated':
                log(
                    `pbi-relay: changed the managed identity's workspace role from ${result.previousRole} to ${result.role}.`,
                );
                break;
            case 'unchanged':
                log(`pbi-relay: the managed identity already has the ${result.role} role; nothing to do.`);
                break;
        }
        log(
            'pbi-relay: the identity also needs the tenant setting "Service principals can use Fabric APIs" for its security group (infra/README.md).',
        );
        return 0;
    } catch (problem) {
        error((problem as Error).message);
        return 1;
    }
}

if (require.main === module) runCli(() => main(process.argv.slice(2), { env: process.env }));
