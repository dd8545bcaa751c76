import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { Settings } from '../config/settings';

/**
 * Azure (and `npm start`, whose emulator serves the App Service managed-identity endpoint) use the
 * managed identity, user-assigned through AZURE_CLIENT_ID; elsewhere DefaultAzureCredential lets a
 * developer signed in with `az login` reach the real service.
 */
export function createPowerBiCredential(settings: Settings): TokenCredential {
    const clientId = settings.AZURE_CLIENT_ID;
    if (settings.POWERBI_CREDENTIAL === 'managedIdentity') {
        return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
    }
    return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}
