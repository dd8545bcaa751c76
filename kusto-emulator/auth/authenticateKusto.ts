import { verifyAccessToken } from '../../emulator/auth/accessToken';
import { kustoErrors } from '../errors/kustoErrors';
import type { KustoRuntime } from '../KustoRuntime';
import type { KustoRequestContext } from '../http/KustoRequestContext';

/** The resource behind the scope https://kusto.kusto.windows.net/.default (Fabric and Azure Data Explorer). */
export const kustoAudience = 'https://kusto.kusto.windows.net';
/** The alternative resource Microsoft's Kusto documentation also shows. */
export const kustoApiAudience = 'https://api.kusto.windows.net';
/** The resource of the Fabric REST API (scope https://api.fabric.microsoft.com/.default). */
export const fabricAudience = 'https://api.fabric.microsoft.com';

export interface KustoCaller {
    /** The token's oid, lower case. */
    objectId: string;
    /** The token's appid (client id), lower case, when it has one (service principals, user-assigned identities). */
    appId?: string;
    tenantId: string;
    /** How the service names the caller: `aadapp=<appid or oid>;<tenant>`. */
    fqn: string;
}

/**
 * Bearer token checks: missing, unreadable or foreign-signed -> 401, audience not one of `audiences` -> 401,
 * not yet valid or expired (on the emulator's clock) -> 401.
 */
export function authenticateKusto(
    runtime: KustoRuntime,
    context: KustoRequestContext,
    audiences: string[],
): KustoCaller {
    const header = context.request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw kustoErrors.missingToken();
    const verdict = verifyAccessToken(match[1], runtime.signingKey);
    if (!verdict.valid) throw kustoErrors.invalidToken(verdict.reason);
    const { claims } = verdict;
    const audience = claims.aud.replace(/\/$/, '').toLowerCase();
    if (!audiences.some((allowed) => allowed.toLowerCase() === audience)) {
        throw kustoErrors.invalidToken(`audience '${claims.aud}' is not one of ${audiences.join(', ')}`);
    }
    const nowSeconds = runtime.now().getTime() / 1000;
    if (claims.nbf > nowSeconds) throw kustoErrors.invalidToken('the token is not valid yet (nbf)');
    if (claims.exp <= nowSeconds) throw kustoErrors.tokenExpired();
    const objectId = claims.oid.toLowerCase();
    const appId = claims.appid?.toLowerCase();
    const tenantId = claims.tid.toLowerCase();
    const caller: KustoCaller = { objectId, tenantId, fqn: `aadapp=${appId ?? objectId};${tenantId}` };
    if (appId) caller.appId = appId;
    context.log.principal = caller.fqn;
    return caller;
}

/** The audiences a Kusto endpoint accepts: the public Kusto resources and the cluster's own URL. */
export function kustoAudiences(runtime: KustoRuntime): string[] {
    return [kustoAudience, kustoApiAudience, runtime.url];
}
