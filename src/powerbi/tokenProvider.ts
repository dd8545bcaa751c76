import type { TokenCredential } from '@azure/identity';

export interface TokenProvider {
    getToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

/** Renew this long before expiry, so a token never expires while a request is in flight. */
const renewBeforeMs = 5 * 60 * 1000;

/**
 * Caches the access token and renews it before it expires; concurrent callers share one request. Some
 * credentials (Azure CLI) do not cache themselves, and Add Rows runs many times a minute.
 */
export function createTokenProvider(
    credential: TokenCredential,
    scope: string,
    now: () => number = Date.now,
): TokenProvider {
    let cached: { token: string; expiresOnTimestamp: number } | undefined;
    let pending: Promise<string> | undefined;

    const fetchToken = async (): Promise<string> => {
        const accessToken = await credential.getToken(scope);
        if (!accessToken) throw new Error(`The credential returned no token for ${scope}`);
        cached = { token: accessToken.token, expiresOnTimestamp: accessToken.expiresOnTimestamp };
        return accessToken.token;
    };

    return {
        async getToken(options) {
            if (!options?.forceRefresh && cached && cached.expiresOnTimestamp - renewBeforeMs > now()) {
                return cached.token;
            }
            pending ??= fetchToken().finally(() => {
                pending = undefined;
            });
            return pending;
        },
    };
}
