import { describe, expect, it } from 'vitest';
import {
    checkIntervalMs,
    main,
    resolveWaitInput,
    waitForStorageAccess,
    type WaitDependencies,
} from '../../scripts/waitForStorageAccess';

const subscriptionId = '11111111-2222-4333-8444-555555555555';
const principalId = 'c2000000-0000-4000-8000-00000000d0c2';
const storageAccountId = `/subscriptions/${subscriptionId}/resourceGroups/rg-dev/providers/Microsoft.Storage/storageAccounts/stabc`;
const env = {
    AZURE_SUBSCRIPTION_ID: subscriptionId,
    AZURE_RESOURCE_GROUP: 'rg-dev',
    AZURE_FUNCTION_NAME: 'func-api-abc',
    AZURE_STORAGE_ACCOUNT_ID: storageAccountId,
    MANAGED_IDENTITY_PRINCIPAL_ID: principalId,
};
const blobDataOwner = `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/b7e6dc6d-f1e8-4753-8033-0f276bb0955b`;
const queueContributor = `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/974c5e8b-45b9-4653-ba55-5f855dd0fb88`;

interface FakeArm {
    /** Role definition ids assigned to the identity, per round of checks. */
    assignments: (round: number) => string[];
    /** Status of listkeys per round. */
    keysStatus: (round: number) => number;
}

/** ARM as far as the script uses it, answering by URL; records each request. */
function fakeArm(arm: FakeArm) {
    const requests: { method: string; url: string; authorization: string | null }[] = [];
    let round = 0;
    const fetchFake: typeof fetch = (input, init) => {
        const url = String(input);
        const headers = new Headers(init?.headers);
        requests.push({ method: init?.method ?? 'GET', url, authorization: headers.get('authorization') });
        if (url.includes('/providers/Microsoft.Authorization/roleAssignments')) {
            round++;
            const value = arm
                .assignments(round)
                .map((roleDefinitionId) => ({ properties: { roleDefinitionId, principalId } }));
            return Promise.resolve(Response.json({ value }));
        }
        if (url.endsWith('/host/default/listkeys?api-version=2024-04-01') && init?.method === 'POST') {
            const status = arm.keysStatus(round);
            return Promise.resolve(
                status === 200
                    ? Response.json({
                          masterKey: 'secret-master-key',
                          functionKeys: { default: 'secret-function-key' },
                      })
                    : Response.json(
                          {
                              error: {
                                  code: 'BadRequest',
                                  message: 'Encountered an error (InternalServerError) from host runtime.',
                              },
                          },
                          { status },
                      ),
            );
        }
        return Promise.resolve(new Response('not found', { status: 404 }));
    };
    return { fetch: fetchFake, requests };
}

function clock() {
    let now = 1_000_000;
    return { now: () => now, sleep: (ms: number) => ((now += ms), Promise.resolve()), elapsed: () => now - 1_000_000 };
}

function deps(fetchFake: typeof fetch, time = clock(), lines: string[] = []): WaitDependencies {
    return {
        fetch: fetchFake,
        getToken: () => Promise.resolve('arm-token'),
        now: time.now,
        sleep: time.sleep,
        log: (l) => lines.push(l),
    };
}

describe('waitForStorageAccess', () => {
    it('is ready on the first check once the role is assigned and the host lists its keys', async () => {
        const arm = fakeArm({ assignments: () => [queueContributor, blobDataOwner], keysStatus: () => 200 });
        const outcome = await waitForStorageAccess(resolveWaitInput(env), deps(arm.fetch));
        expect(outcome).toEqual({ outcome: 'ready', checks: 1 });
        expect(arm.requests.map((r) => [r.method, r.url])).toEqual([
            [
                'GET',
                `https://management.azure.com${storageAccountId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=assignedTo('${principalId}')`.replace(
                    `assignedTo('${principalId}')`,
                    encodeURIComponent(`assignedTo('${principalId}')`),
                ),
            ],
            [
                'POST',
                `https://management.azure.com/subscriptions/${subscriptionId}/resourceGroups/rg-dev/providers/Microsoft.Web/sites/func-api-abc/host/default/listkeys?api-version=2024-04-01`,
            ],
        ]);
        expect(arm.requests.every((r) => r.authorization === 'Bearer arm-token')).toBe(true);
    });

    it('checks again every 10 s until the assignment exists and the host can use its storage', async () => {
        // Round 1: no assignment yet. Rounds 2-3: assigned, the host still gets 403 from storage. Round 4: works.
        const arm = fakeArm({
            assignments: (round) => (round === 1 ? [] : [blobDataOwner]),
            keysStatus: (round) => (round < 4 ? 400 : 200),
        });
        const time = clock();
        const lines: string[] = [];
        const outcome = await waitForStorageAccess(resolveWaitInput(env), deps(arm.fetch, time, lines));
        expect(outcome).toEqual({ outcome: 'ready', checks: 4 });
        expect(time.elapsed()).toBe(3 * checkIntervalMs);
        expect(lines).toHaveLength(3);
        expect(lines[0]).toContain('has no Storage Blob Data Owner role assignment');
        expect(lines[1]).toContain('listing the host keys: HTTP 400 BadRequest: Encountered an error');
        expect(arm.requests.filter((r) => r.url.includes('listkeys'))).toHaveLength(3);
    });

    it('gives up after the configured seconds with the last reason', async () => {
        const arm = fakeArm({ assignments: () => [blobDataOwner], keysStatus: () => 400 });
        const time = clock();
        const input = resolveWaitInput({ ...env, PBI_RELAY_STORAGE_WAIT_SECONDS: '60' });
        const outcome = await waitForStorageAccess(input, deps(arm.fetch, time));
        expect(outcome.outcome).toBe('timedOut');
        expect(outcome.checks).toBe(7); // at 0, 10, ..., 60 s
        expect(time.elapsed()).toBeLessThanOrEqual(60_000);
    });
});

describe('main (the postprovision hook)', () => {
    it('prints how long it took and never the keys', async () => {
        const arm = fakeArm({ assignments: () => [blobDataOwner], keysStatus: (round) => (round < 2 ? 400 : 200) });
        const time = clock();
        const out: string[] = [];
        const code = await main({
            env,
            fetch: arm.fetch,
            getToken: () => Promise.resolve('t'),
            now: time.now,
            sleep: time.sleep,
            log: (l) => out.push(l),
            error: (l) => out.push(l),
        });
        expect(code).toBe(0);
        expect(out.at(-1)).toMatch(/Storage access works .* after 2 check\(s\), 10 s\./);
        expect(out.join('\n')).not.toContain('secret');
    });

    it('on timeout exits 1 and says to run azd deploy again or wait longer', async () => {
        const arm = fakeArm({ assignments: () => [blobDataOwner], keysStatus: () => 503 });
        const time = clock();
        const errors: string[] = [];
        const code = await main({
            env: { ...env, PBI_RELAY_STORAGE_WAIT_SECONDS: '30' },
            fetch: arm.fetch,
            getToken: () => Promise.resolve('t'),
            now: time.now,
            sleep: time.sleep,
            log: () => undefined,
            error: (l) => errors.push(l),
        });
        expect(code).toBe(1);
        expect(errors.join('\n')).toContain(
            'not in effect after 30 s (4 checks; last: listing the host keys: HTTP 503',
        );
        expect(errors.join('\n')).toContain('run `azd deploy` again');
        expect(errors.join('\n')).toContain('PBI_RELAY_STORAGE_WAIT_SECONDS=900');
    });

    it('on a missing role assignment points at azd provision and the rights it needs', async () => {
        const arm = fakeArm({ assignments: () => [queueContributor], keysStatus: () => 200 });
        const time = clock();
        const errors: string[] = [];
        const code = await main({
            env: { ...env, PBI_RELAY_STORAGE_WAIT_SECONDS: '10' },
            fetch: arm.fetch,
            getToken: () => Promise.resolve('t'),
            now: time.now,
            sleep: time.sleep,
            log: () => undefined,
            error: (l) => errors.push(l),
        });
        expect(code).toBe(1);
        expect(errors.join('\n')).toContain('run `azd provision` again');
        expect(arm.requests.some((r) => r.url.includes('listkeys'))).toBe(false);
    });

    it('reads missing inputs from the azd environment, and names the ones still missing', async () => {
        const errors: string[] = [];
        const code = await main({
            env: { AZURE_SUBSCRIPTION_ID: subscriptionId },
            fetch: () => Promise.reject(new Error('must not be called')),
            readAzdEnv: () =>
                Promise.resolve({ AZURE_RESOURCE_GROUP: 'rg-dev', AZURE_STORAGE_ACCOUNT_ID: 'not-an-id' }),
            log: () => undefined,
            error: (l) => errors.push(l),
        });
        expect(code).toBe(2);
        const message = errors.join('\n');
        expect(message).toContain('AZURE_FUNCTION_NAME');
        expect(message).toContain('MANAGED_IDENTITY_PRINCIPAL_ID');
        expect(message).toContain('must be a storage account resource id');
        expect(message).not.toContain('AZURE_RESOURCE_GROUP');
    });

    it('skips the check when PBI_RELAY_STORAGE_WAIT_SECONDS is 0', async () => {
        const lines: string[] = [];
        const code = await main({
            env: { ...env, PBI_RELAY_STORAGE_WAIT_SECONDS: '0' },
            fetch: () => Promise.reject(new Error('must not be called')),
            log: (l) => lines.push(l),
        });
        expect(code).toBe(0);
        expect(lines.join('\n')).toContain('not checking');
    });

    it('reports a sign-in failure once instead of retrying', async () => {
        const errors: string[] = [];
        const arm = fakeArm({ assignments: () => [blobDataOwner], keysStatus: () => 200 });
        const code = await main({
            env,
            fetch: arm.fetch,
            getToken: () => Promise.reject(new Error('Could not get a Azure Resource Manager token: az login')),
            log: () => undefined,
            error: (l) => errors.push(l),
        });
        expect(code).toBe(1);
        expect(errors).toEqual(['Could not get a Azure Resource Manager token: az login']);
        expect(arm.requests).toHaveLength(0);
    });
});
