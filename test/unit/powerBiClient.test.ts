import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { createPowerBiClient } from '../../src/powerbi/powerBiClient';
import { stubHttpClient, type StubReply } from '../support/stubHttpClient';

const workspaceId = 'f089354e-8366-4e18-aea3-4cb4a3a50b48';

/** Hands out token-1, token-2, ... and counts how often it was asked. */
function countingCredential(): TokenCredential & { issued: number } {
    const credential = {
        issued: 0,
        async getToken() {
            credential.issued += 1;
            return { token: `token-${credential.issued}`, expiresOnTimestamp: Date.now() + 3_600_000 };
        },
    };
    return credential;
}

function clientAnswering(replies: StubReply[], baseUrl = 'https://api.powerbi.com/v1.0/myorg') {
    const credential = countingCredential();
    const httpClient = stubHttpClient(() => replies.shift() ?? { status: 200, body: { value: [] } });
    const client = createPowerBiClient({ baseUrl, credential, scope: 'scope/.default', timeoutMs: 5_000, httpClient });
    return { client, credential, calls: httpClient.calls };
}

const forbidden = (code: string): StubReply => ({ status: 403, body: { error: { code, message: code } } });

describe('the Power BI client', () => {
    it('reuses one token across calls (the SDK bearer policy caches it)', async () => {
        const { client, credential, calls } = clientAnswering([]);
        await client.getDatasets(workspaceId);
        await client.getDatasets(workspaceId);
        expect(credential.issued).toBe(1);
        expect(calls.map((call) => call.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-1']);
    });

    it('on 403 TokenExpired drops the token and sends the request once more with a new one', async () => {
        const { client, credential, calls } = clientAnswering([forbidden('TokenExpired')]);
        const result = await client.getDatasets(workspaceId);
        expect(result.ok).toBe(true);
        expect(credential.issued).toBe(2);
        expect(calls.map((call) => call.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    });

    it('on 403 TokenExpired also tells a credential that has its own cache to renew the token (its renew)', async () => {
        const credential = { ...countingCredential(), renewed: 0, renew: () => (credential.renewed += 1) };
        const httpClient = stubHttpClient(() => ({
            status: 403,
            body: { error: { code: 'TokenExpired', message: 'x' } },
        }));
        const client = createPowerBiClient({
            baseUrl: 'https://api.powerbi.com/v1.0/myorg',
            credential,
            scope: 'scope/.default',
            timeoutMs: 5_000,
            httpClient,
        });
        expect(await client.getDatasets(workspaceId)).toMatchObject({ ok: false, failure: { code: 'TokenExpired' } });
        expect([credential.renewed, httpClient.calls.length]).toEqual([1, 2]);
    });

    it('answers any other 403 (a Viewer role) after one call, without asking for a new token', async () => {
        const { client, credential, calls } = clientAnswering([forbidden('PowerBINotAuthorizedException')]);
        const result = await client.postRows(workspaceId, 'd1', 'Product', [{ ProductID: 1 }]);
        expect(result).toMatchObject({ ok: false, failure: { kind: 'unauthorized', status: 403 } });
        expect(calls).toHaveLength(1);
        expect(credential.issued).toBe(1);
    });

    it('does not retry a 429 or a 5xx itself: retrying belongs to the queue and the governor', async () => {
        const { client, calls } = clientAnswering([
            { status: 429, headers: { 'Retry-After': '7' } },
            { status: 503, body: '' },
        ]);
        expect(await client.getDatasets(workspaceId)).toMatchObject({
            ok: false,
            failure: { kind: 'throttled', retryAfterSeconds: 7 },
        });
        expect(await client.getDatasets(workspaceId)).toMatchObject({ ok: false, failure: { kind: 'transient' } });
        expect(calls).toHaveLength(2);
    });

    it('sends a token over http only to a loopback emulator, and refuses other http hosts', async () => {
        const { client, calls } = clientAnswering([], 'http://127.0.0.1:7300/v1.0/myorg');
        await client.getGroups();
        expect(calls[0]!.url).toBe('http://127.0.0.1:7300/v1.0/myorg/groups');
        expect(() =>
            createPowerBiClient({
                baseUrl: 'http://powerbi.example.com/v1.0/myorg',
                credential: countingCredential(),
                scope: 's',
                timeoutMs: 1_000,
            }),
        ).toThrow(/must be https/);
    });
});
