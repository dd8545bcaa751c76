import { DefaultAzureCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { ManagedIdentityApplication } from '@azure/msal-node';
import type { Settings } from '../config/settings';

/** A credential that can be told its token was refused as expired, so its next token skips every cache. */
export type PowerBiCredential = TokenCredential & { renew?: () => void };

/**
 * Azure (and `npm start`, whose emulator serves the App Service managed-identity endpoint) use the
 * managed identity, user-assigned through AZURE_CLIENT_ID; elsewhere DefaultAzureCredential lets a
 * developer signed in with `az login` reach the real service.
 */
export function createPowerBiCredential(settings: Settings): PowerBiCredential {
    const clientId = settings.AZURE_CLIENT_ID;
    if (settings.POWERBI_CREDENTIAL === 'managedIdentity') return managedIdentityCredential(clientId);
    return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

/**
 * The managed identity through MSAL's ManagedIdentityApplication, which @azure/identity's ManagedIdentityCredential
 * wraps: MSAL keeps the token in a process-wide cache until shortly before its expiry, and only MSAL's own
 * `forceRefresh` skips it, which ManagedIdentityCredential never passes. When Power BI refuses a token as expired
 * (403 TokenExpired: the host's clock behind the service's), ManagedIdentityCredential hands the same token back
 * until that cache lets it go, hours later, and every push in between fails.
 */
function managedIdentityCredential(clientId: string | undefined): PowerBiCredential {
    const application = new ManagedIdentityApplication(
        clientId ? { managedIdentityIdParams: { userAssignedClientId: clientId } } : {},
    );
    let forceRefresh = false;
    return {
        renew() {
            forceRefresh = true;
        },
        async getToken(scopes): Promise<AccessToken> {
            const resource = [scopes].flat()[0]!.replace(/\/\.default$/, '');
            const refresh = forceRefresh;
            const result = await application.acquireToken({ resource, forceRefresh: refresh });
            if (refresh) forceRefresh = false;
            return {
                token: result.accessToken,
                expiresOnTimestamp: result.expiresOn!.getTime(),
                ...(result.refreshOn ? { refreshAfterTimestamp: result.refreshOn.getTime() } : {}),
                tokenType: 'Bearer',
            };
        },
    };
}
