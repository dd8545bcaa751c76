import {
    AzureCliCredential,
    AzureDeveloperCliCredential,
    ChainedTokenCredential,
    type AccessToken,
    type TokenCredential,
} from '@azure/identity';

/**
 * The signed-in deployer's token for `scope`: Azure CLI first (`az login`), then the Azure Developer CLI
 * (`azd auth login`). A failure says why each CLI could not give one and how to sign in; `service` names
 * the API in that message.
 */
export function deployerTokenProvider(
    scope: string,
    tenantId: string | undefined,
    service: string,
    credential: TokenCredential = new ChainedTokenCredential(
        new AzureCliCredential(tenantId ? { tenantId } : {}),
        new AzureDeveloperCliCredential(tenantId ? { tenantId } : {}),
    ),
): () => Promise<string> {
    // Each getToken runs the CLI again; a token is reused until five minutes before it expires.
    let cached: AccessToken | undefined;
    return async () => {
        if (cached && cached.expiresOnTimestamp - Date.now() > 5 * 60_000) return cached.token;
        try {
            const token = await credential.getToken(scope);
            if (!token) throw new Error('no token returned');
            cached = token;
            return token.token;
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
    };
}
