/**
 * Waits, bounded, until the app's managed identity can use the storage account, so that `azd deploy` does
 * not meet a 403 on the deployment-package container: Azure writes the package there as the identity, and a
 * role assignment made by `azd provision` takes minutes to apply (Azure/azure-dev#8026). Run by the
 * postprovision hook in azure.yaml, or on its own:
 *
 *   npm run wait-for-storage-access
 *
 * It checks, as the signed-in deployer (`az login` or `azd auth login`), through Azure Resource Manager:
 *   1. the identity holds Storage Blob Data Owner on the account (the role assignment exists);
 *   2. the Functions host, which runs as the identity and keeps its keys in that account's blob storage,
 *      can list its keys (POST .../host/default/listkeys answers 200). The keys are never printed.
 *
 * Inputs (the environment azd gives its hooks, else `azd env get-values`):
 *   AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, AZURE_FUNCTION_NAME, AZURE_STORAGE_ACCOUNT_ID,
 *   MANAGED_IDENTITY_PRINCIPAL_ID          outputs of infra/main.bicep
 *   PBI_RELAY_STORAGE_WAIT_SECONDS         how long to wait, default 300; 0 skips the check
 *   AZURE_RESOURCE_MANAGER_ENDPOINT        default https://management.azure.com (another cloud's ARM)
 *   AZURE_TENANT_ID                        tenant for the deployer's token
 */
import { z } from 'zod';
import { deployerTokenProvider } from './deployerToken';
import { readAzdEnv } from './grantPowerBiAccess';
import { describeZodError } from '../src/config/describeZodError';
import { runCli } from './runCli';

const storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b';
const roleAssignmentsApiVersion = '2022-04-01';
const sitesApiVersion = '2024-04-01';
export const checkIntervalMs = 10_000;
const requestTimeoutMs = 30_000;

const nonEmpty = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export const waitInputSchema = z.object({
    subscriptionId: z.guid({ error: 'must be the subscription id (AZURE_SUBSCRIPTION_ID)' }),
    resourceGroup: z.string({ error: 'must name the resource group (AZURE_RESOURCE_GROUP)' }).min(1),
    functionAppName: z.string({ error: 'must name the function app (AZURE_FUNCTION_NAME)' }).min(1),
    storageAccountId: z
        .string({ error: 'must be the storage account resource id (AZURE_STORAGE_ACCOUNT_ID)' })
        .regex(
            /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+$/i,
            {
                error: 'must be a storage account resource id, /subscriptions/.../providers/Microsoft.Storage/storageAccounts/<name> (AZURE_STORAGE_ACCOUNT_ID)',
            },
        ),
    principalId: z.guid({ error: 'must be the object id of the managed identity (MANAGED_IDENTITY_PRINCIPAL_ID)' }),
    waitSeconds: z.coerce
        .number({ error: 'must be a number of seconds (PBI_RELAY_STORAGE_WAIT_SECONDS)' })
        .int({ error: 'must be a whole number of seconds (PBI_RELAY_STORAGE_WAIT_SECONDS)' })
        .min(0, { error: 'must be 0 (skip) or more (PBI_RELAY_STORAGE_WAIT_SECONDS)' })
        .max(3600, { error: 'must be at most 3600 (PBI_RELAY_STORAGE_WAIT_SECONDS)' })
        .default(300),
    armEndpoint: z
        .url({ error: 'must be the Azure Resource Manager URL (AZURE_RESOURCE_MANAGER_ENDPOINT)' })
        .default('https://management.azure.com')
        .transform((url) => url.replace(/\/+$/, '')),
});
export type WaitInput = z.infer<typeof waitInputSchema>;

/** The inputs from environment variables; throws one Error that names every bad or missing one. */
export function resolveWaitInput(env: Record<string, string | undefined>): WaitInput {
    const parsed = waitInputSchema.safeParse({
        subscriptionId: nonEmpty(env.AZURE_SUBSCRIPTION_ID),
        resourceGroup: nonEmpty(env.AZURE_RESOURCE_GROUP),
        functionAppName: nonEmpty(env.AZURE_FUNCTION_NAME),
        storageAccountId: nonEmpty(env.AZURE_STORAGE_ACCOUNT_ID),
        principalId: nonEmpty(env.MANAGED_IDENTITY_PRINCIPAL_ID),
        waitSeconds: nonEmpty(env.PBI_RELAY_STORAGE_WAIT_SECONDS),
        armEndpoint: nonEmpty(env.AZURE_RESOURCE_MANAGER_ENDPOINT),
    });
    if (!parsed.success)
        throw new Error(`Cannot check the identity's Storage access: ${describeZodError(parsed.error)}`);
    return parsed.data;
}

export type Check = { ok: true } | { ok: false; step: 'roleAssignment' | 'host'; reason: string };

export interface WaitDependencies {
    fetch: typeof fetch;
    getToken: () => Promise<string>;
    now: () => number;
    sleep: (ms: number) => Promise<void>;
    log: (line: string) => void;
}

export type WaitOutcome =
    { outcome: 'ready'; checks: number } | { outcome: 'timedOut'; checks: number; last: Extract<Check, { ok: false }> };

const roleAssignmentsSchema = z.looseObject({
    value: z.array(z.looseObject({ properties: z.looseObject({ roleDefinitionId: z.string() }) })),
});
const hostKeysSchema = z.looseObject({ masterKey: z.string().optional(), functionKeys: z.unknown().optional() });
const armErrorSchema = z.looseObject({
    error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }),
});

async function callArm(
    deps: WaitDependencies,
    method: 'GET' | 'POST',
    url: string,
): Promise<{ status: number; body: unknown } | { status: 0; error: string }> {
    const token = await deps.getToken();
    try {
        const response = await deps.fetch(url, {
            method,
            headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
            signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const text = await response.text();
        let body: unknown = undefined;
        try {
            body = text === '' ? undefined : JSON.parse(text);
        } catch {
            body = undefined;
        }
        return { status: response.status, body };
    } catch (problem) {
        return { status: 0, error: (problem as Error).message };
    }
}

function describeFailure(result: { status: number; body?: unknown; error?: string }): string {
    if (result.status === 0) return `no answer (${result.error ?? 'network error'})`;
    const parsed = armErrorSchema.safeParse(result.body);
    const detail = parsed.success
        ? [parsed.data.error.code, parsed.data.error.message].filter(Boolean).join(': ').slice(0, 300)
        : '';
    return `HTTP ${result.status}${detail ? ` ${detail}` : ''}`;
}

/** One round of both checks; the first that fails is the answer. */
export async function checkStorageAccess(input: WaitInput, deps: WaitDependencies): Promise<Check> {
    const filter = encodeURIComponent(`assignedTo('${input.principalId}')`);
    const assignments = await callArm(
        deps,
        'GET',
        `${input.armEndpoint}${input.storageAccountId}/providers/Microsoft.Authorization/roleAssignments?api-version=${roleAssignmentsApiVersion}&$filter=${filter}`,
    );
    if (assignments.status !== 200)
        return {
            ok: false,
            step: 'roleAssignment',
            reason: `reading role assignments: ${describeFailure(assignments)}`,
        };
    const parsed = roleAssignmentsSchema.safeParse('body' in assignments ? assignments.body : undefined);
    if (!parsed.success)
        return { ok: false, step: 'roleAssignment', reason: 'reading role assignments: an answer without `value`' };
    const hasBlobDataOwner = parsed.data.value.some((assignment) =>
        assignment.properties.roleDefinitionId.toLowerCase().endsWith(`/${storageBlobDataOwnerRoleId}`),
    );
    if (!hasBlobDataOwner)
        return {
            ok: false,
            step: 'roleAssignment',
            reason: `the identity ${input.principalId} has no Storage Blob Data Owner role assignment on the account yet`,
        };

    const site = `/subscriptions/${input.subscriptionId}/resourceGroups/${input.resourceGroup}/providers/Microsoft.Web/sites/${input.functionAppName}`;
    const keys = await callArm(
        deps,
        'POST',
        `${input.armEndpoint}${site}/host/default/listkeys?api-version=${sitesApiVersion}`,
    );
    if (keys.status !== 200)
        return { ok: false, step: 'host', reason: `listing the host keys: ${describeFailure(keys)}` };
    if (!hostKeysSchema.safeParse('body' in keys ? keys.body : undefined).success)
        return { ok: false, step: 'host', reason: 'listing the host keys: an answer that is not a key list' };
    return { ok: true };
}

/** Checks every 10 s until both checks pass or `waitSeconds` have gone by. */
export async function waitForStorageAccess(input: WaitInput, deps: WaitDependencies): Promise<WaitOutcome> {
    const deadline = deps.now() + input.waitSeconds * 1000;
    for (let checks = 1; ; checks++) {
        const check = await checkStorageAccess(input, deps);
        if (check.ok) return { outcome: 'ready', checks };
        if (deps.now() + checkIntervalMs > deadline) return { outcome: 'timedOut', checks, last: check };
        deps.log(`pbi-relay: not yet: ${check.reason}; checking again in ${checkIntervalMs / 1000} s`);
        await deps.sleep(checkIntervalMs);
    }
}

export function timeoutMessage(input: WaitInput, outcome: Extract<WaitOutcome, { outcome: 'timedOut' }>): string {
    const lines = [
        `pbi-relay: the managed identity's Storage access is not in effect after ${input.waitSeconds} s (${outcome.checks} checks; last: ${outcome.last.reason}).`,
    ];
    if (outcome.last.step === 'roleAssignment')
        lines.push(
            '  The role assignments are made by `azd provision` (infra/app/rbac.bicep), which needs Owner or User Access',
            '  Administrator on the subscription: check that provisioning succeeded, then run `azd provision` again.',
        );
    else
        lines.push(
            '  Role assignments usually apply within minutes, sometimes later. If `azd deploy` now fails with 403',
            '  ("not authorized to perform this operation", InaccessibleStorageException), run `azd deploy` again in a',
            '  few minutes; `PBI_RELAY_STORAGE_WAIT_SECONDS=900 npm run wait-for-storage-access` waits longer.',
        );
    return lines.join('\n');
}

export interface MainDependencies {
    env: Record<string, string | undefined>;
    fetch: typeof fetch;
    getToken?: () => Promise<string>;
    readAzdEnv?: () => Promise<Record<string, string>>;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
    log?: (line: string) => void;
    error?: (line: string) => void;
}

const inputNames = [
    'AZURE_SUBSCRIPTION_ID',
    'AZURE_RESOURCE_GROUP',
    'AZURE_FUNCTION_NAME',
    'AZURE_STORAGE_ACCOUNT_ID',
    'MANAGED_IDENTITY_PRINCIPAL_ID',
];

/** Returns the exit code: 0 access works (or the check is skipped), 1 not in time or no sign-in, 2 bad input. */
export async function main(deps: MainDependencies): Promise<number> {
    const log = deps.log ?? ((line: string) => console.log(line));
    const error = deps.error ?? ((line: string) => console.error(line));
    let env = deps.env;
    if (inputNames.some((name) => nonEmpty(env[name]) === undefined))
        env = {
            ...(await (deps.readAzdEnv ?? readAzdEnv)()),
            ...Object.fromEntries(Object.entries(env).filter(([, value]) => nonEmpty(value) !== undefined)),
        };
    let input: WaitInput;
    try {
        input = resolveWaitInput(env);
    } catch (problem) {
        error(
            `${(problem as Error).message}\nRun it after \`azd provision\`, which writes these outputs to the azd environment.`,
        );
        return 2;
    }
    if (input.waitSeconds === 0) {
        log("pbi-relay: PBI_RELAY_STORAGE_WAIT_SECONDS=0: not checking the identity's Storage access.");
        return 0;
    }
    const accountName = input.storageAccountId.split('/').pop();
    log(
        `pbi-relay: waiting up to ${input.waitSeconds} s until managed identity ${input.principalId} can use storage account ${accountName} (function app ${input.functionAppName})`,
    );
    const start = (deps.now ?? Date.now)();
    try {
        const outcome = await waitForStorageAccess(input, {
            fetch: deps.fetch,
            getToken:
                deps.getToken ??
                deployerTokenProvider(
                    `${input.armEndpoint}/.default`,
                    nonEmpty(env.AZURE_TENANT_ID) as string | undefined,
                    'Azure Resource Manager',
                ),
            now: deps.now ?? Date.now,
            sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
            log,
        });
        if (outcome.outcome === 'timedOut') {
            error(timeoutMessage(input, outcome));
            return 1;
        }
        const seconds = Math.round(((deps.now ?? Date.now)() - start) / 1000);
        log(
            `pbi-relay: the identity's Storage access works (Storage Blob Data Owner assigned, the Functions host reads its keys from blob storage), after ${outcome.checks} check(s), ${seconds} s.`,
        );
        return 0;
    } catch (problem) {
        error((problem as Error).message);
        return 1;
    }
}

if (require.main === module) runCli(() => main({ env: process.env, fetch: globalThis.fetch }));
