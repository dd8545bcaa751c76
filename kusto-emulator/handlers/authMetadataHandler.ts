import type { KustoHandlerResult } from '../http/KustoRequestContext';
import { kustoAudience } from '../auth/authenticateKusto';

/**
 * GET /v1/rest/auth/metadata (no token needed): what the Kusto SDKs read before they authenticate. The emulator
 * answers the public cloud's values; its tokens come from the Power BI emulator's managed identity endpoint anyway.
 */
export function authMetadata(): KustoHandlerResult {
    return {
        status: 200,
        body: {
            AzureAD: {
                LoginEndpoint: 'https://login.microsoftonline.com',
                LoginMfaRequired: false,
                KustoClientAppId: 'db662dc1-0cfe-4e1c-a843-19a68e65be58',
                KustoClientRedirectUri: 'https://microsoft/kustoclient',
                KustoServiceResourceId: kustoAudience,
                FirstPartyAuthorityUrl: 'https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a',
            },
            dSTS: {
                CloudEndpointSuffix: 'windows.net',
                DstsRealm: 'realm://dsts.core.windows.net',
                DstsInstance: 'prod-dsts.dsts.core.windows.net',
                KustoDnsHostName: 'kusto.windows.net',
                ServiceName: 'kusto',
            },
        },
    };
}
