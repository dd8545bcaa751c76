import {
    AzureCliCredential,
    AzureDeveloperCliCredential,
    ChainedTokenCredential,
    type AccessToken,
    type TokenCredential,
} from '@azure/identity';

/**
 * The signed-in deployer: Azure CLI first (`az login`), then the Azure Developer CLI (`azd auth login`). A
 * failure says why each CLI could not give a token and how to sign in; `service` names the API in that message.
 */
export function deployerCredential(
    tenantId: string | undefined,
    service: string,
    credential: TokenCredential = new ChainedTokenCredential(
        new AzureCliCredential(tenantId ? { tenantId } : {}),
        new AzureDeveloperCliCredential(tenantId ? { tenantId } : {}),
    ),
): TokenCredential {
    return {
        async getToken(scopes, options) {
            try {
                const token = await credential.getToken(scopes, options);
                if (!token) throw new Error('no token returned');
                return token;
            } catch (problem) {
                // ChainedTokenCredential throws an AggregateAuthenticationError whose `errors` say why each CLI failed.
                const causes = (problem as { errors?: unknown }).errors;
                const reasons = (Array.isArray(causes) ? causes : [problem]).map(
                    (cause) => String((cause as Error).message ?? cause).split('\n')[0],
                );
                throw new Error(
                    `Could not get a token for ${service} as the signed-in user:\n  ${reasons.join('\n  ')}\n` +
                        `Sign in with \`az login${tenantId ? ` --tenant ${tenantId}` : ''}\` and run the script again.`,
                );
            }
        },
    };
}

/** The deployer's token for `scope`, for plain fetch calls; each getToken runs the CLI, so it is reused until five minutes before it expires. */
export function deployerTokenProvider(
    scope: string,
    tenantId: string | undefined,
    service: string,
    credential?: TokenCredential,
): () => Promise<string> {
    const signedIn = deployerCredential(tenantId, service, credential);
    let cached: AccessToken | undefined;
    return async () => {
        if (cached && cached.expiresOnTimestamp - Date.now() > 5 * 60_000) return cached.token;
        cached = (await signedIn.getToken(scope))!;
        return cached.token;
    };
}
