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
import { z } from 'zod';
import { deployerTokenProvider } from './deployerToken';

export const grantableRoles = ['Member', 'Contributor', 'Admin'] as const;
export type GrantableRole = (typeof grantableRoles)[number];

/** Workspace roles from least to most access (Contributor cannot share; Member can; Admin can manage). */
const roleRank: Record<string, number> = { none: 0, viewer: 1, contributor: 2, member: 3, admin: 4 };

export const defaultBaseUrl = 'https://api.powerbi.com/v1.0/myorg';
export const defaultScope = 'https://analysis.windows.net/powerbi/api/.default';

/** GroupUser in the Power BI REST API (swagger definitions GroupUser / User); only what the grant needs. */
const groupUserSchema = z.looseObject({
    identifier: z.string().optional(),
    graphId: z.string().optional(),
    principalType: z.string().optional(),
    groupUserAccessRight: z.string(),
    displayName: z.string().optional(),
    emailAddress: z.string().optional(),
});
const groupUsersSchema = z.looseObject({ value: z.array(groupUserSchema) });
export type GroupUser = z.infer<typeof groupUserSchema>;

const errorBodySchema = z.looseObject({
    error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }),
});

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
    fetch: typeof fetch;
    getToken: () => Promise<string>;
    baseUrl?: string;
    timeoutMs?: number;
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
    users: readonly GroupUser[],
    request: Pick<GrantRequest, 'principalId' | 'clientId'>,
): GroupUser | undefined {
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
    const usersUrl = `${base}/groups/${encodeURIComponent(request.workspaceId)}/users`;
    const token = await deps.getToken();

    const call = async (step: string, method: 'GET' | 'POST' | 'PUT', body?: unknown): Promise<string> => {
        let response: Response;
        try {
            response = await deps.fetch(usersUrl, {
                method,
                headers: {
                    authorization: `Bearer ${token}`,
                    accept: 'application/json',
                    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
                },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(deps.timeoutMs ?? 30_000),
            });
        } catch (error) {
            throw new PowerBiAccessError(`Could not reach Power BI at ${base} to ${step}: ${(error as Error).message}`);
        }
        const text = await response.text();
        if (!response.ok) throw failure(step, response, text, request, base);
        return text;
    };

    const listed = await call('list the workspace users', 'GET');
    let json: unknown;
    try {
        json = JSON.parse(listed);
    } catch {
        throw new PowerBiAccessError(
            `Power BI answered the workspace users request with a body that is not JSON: ${listed.slice(0, 200)}`,
        );
    }
    const users = groupUsersSchema.safeParse(json);
    if (!users.success) {
        throw new PowerBiAccessError(
            `Power BI answered the workspace users request with an unexpected shape: ${z.prettifyError(users.error)}`,
        );
    }

    const existing = findPrincipal(users.data.value, request);
    const userDetails = { identifier: request.principalId, principalType: 'App', groupUserAccessRight: request.role };
    if (!existing) {
        await call(`add the managed identity as ${request.role}`, 'POST', userDetails);
        return { outcome: 'added', role: request.role };
    }
    const current = existing.groupUserAccessRight;
    if ((roleRank[current.toLowerCase()] ?? 0) >= roleRank[request.role.toLowerCase()]!) {
        return { outcome: 'unchanged', role: current };
    }
    // Update by the identifier Power BI itself reports for the identity.
    await call(`change the managed identity's role from ${current} to ${request.role}`, 'PUT', {
        ...userDetails,
        identifier: existing.identifier ?? request.principalId,
    });
    return { outcome: 'updated', role: request.role, previousRole: current };
}

function describeBody(text: string): { code?: string; message?: string } {
    try {
        const parsed = errorBodySchema.safeParse(JSON.parse(text));
        if (parsed.success) return { code: parsed.data.error.code, message: parsed.data.error.message };
    } catch {
        // not JSON: fall through
    }
    return { message: text.trim() === '' ? undefined : text.trim().slice(0, 300) };
}

/** Turns a failed call into the fix, for the status codes that users meet while setting up access. */
export function failure(
    step: string,
    response: Pick<Response, 'status' | 'headers'>,
    text: string,
    request: GrantRequest,
    base: string,
): PowerBiAccessError {
    const { code, message } = describeBody(text);
    const detail = [code, message].filter(Boolean).join(': ');
    const head = `Power BI refused to ${step} (HTTP ${response.status}${detail ? `, ${detail}` : ''}).`;
    const requestId = response.headers.get('requestid') ?? response.headers.get('x-ms-request-id');
    const tail = requestId ? `\nPower BI request id: ${requestId}` : '';
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
    switch (response.status) {
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
            const retryAfter = response.headers.get('retry-after');
            return new PowerBiAccessError(
                `${head}\nPower BI is throttling; run the script again${retryAfter ? ` after ${retryAfter} s` : ' later'}.${tail}`,
                429,
                code,
            );
        }
        default:
            return new PowerBiAccessError(head + tail, response.status, code);
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
    const options: CliOptions = {};
    const flags: Record<string, keyof CliOptions> = {
        '--workspace': 'workspace',
        '--principal-id': 'principalId',
        '--client-id': 'clientId',
        '--role': 'role',
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!;
        if (arg === '--help' || arg === '-h') {
            options.help = true;
            continue;
        }
        const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
        const key = flags[flag];
        if (!key)
            throw new PowerBiAccessError(`Unknown option ${arg}. Options: ${Object.keys(flags).join(', ')}, --help`);
        const value = inline ?? argv[++i];
        if (value === undefined || value.startsWith('--')) throw new PowerBiAccessError(`${flag} needs a value`);
        (options as Record<string, string>)[key] = value;
    }
    return options;
}

const nonEmpty = (value: string | undefined): string | undefined =>
    value === undefined || value.trim() === '' ? undefined : value.trim();

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
        const problems = parsed.error.issues.map(
            (issue) => `${names[String(issue.path[0])] ?? issue.path.join('.')}: ${issue.message}`,
        );
        throw new PowerBiAccessError(`Cannot grant Power BI access: ${problems.join('; ')}`);
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
    fetch: typeof fetch;
    getToken?: () => Promise<string>;
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
    const getToken =
        deps.getToken ??
        deployerTokenProvider(nonEmpty(env.POWERBI_SCOPE) ?? defaultScope, nonEmpty(env.AZURE_TENANT_ID), 'Power BI');
    log(
        `pbi-relay: granting ${request.role} on Power BI workspace ${request.workspaceId} to managed identity ${request.principalId} (${baseUrl})`,
    );
    try {
        const result = await grantWorkspaceAccess(request, { fetch: deps.fetch, getToken, baseUrl });
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

if (require.main === module) {
    main(process.argv.slice(2), { env: process.env, fetch: globalThis.fetch })
        .then((code) => {
            process.exitCode = code;
        })
        .catch((problem: unknown) => {
            console.error(problem);
            process.exitCode = 1;
        });
}
