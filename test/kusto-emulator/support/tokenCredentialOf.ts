import type { TokenCredential } from '@azure/identity';
import type { KustoTestBed } from './kustoTestBed';

/**
 * A TokenCredential for a client id of the test bed, as the signed-in user or an identity would have it: tokens from
 * the Power BI emulator for whichever scope is asked (Kusto, Fabric or Power BI), so the Azure SDK pipeline's clients
 * can be driven with it.
 */
export function tokenCredentialOf(bed: Pick<KustoTestBed, 'tokenFor'>, clientId: string): TokenCredential {
    return {
        getToken: async (scopes) => ({
            token: await bed.tokenFor(clientId, { audience: [scopes].flat()[0]!.replace(/\/\.default$/, '') }),
            expiresOnTimestamp: Date.now() + 3_600_000,
        }),
    };
}
