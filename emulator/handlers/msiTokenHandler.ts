import { timingSafeEqual } from 'node:crypto';
import { issueAccessToken } from '../auth/accessToken';
import { resolveManagedIdentity } from '../auth/resolveManagedIdentity';
import type { EmulatorRuntime } from '../EmulatorRuntime';
import type { HandlerResult, RequestContext } from '../http/RequestContext';

const appServiceApiVersion = '2019-08-01';

const failure = (status: number, message: string): HandlerResult => ({ status, body: { statusCode: status, message } });

/**
 * GET /msi/token: the App Service managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), as
 * @azure/msal-node's AppService source calls it: header X-IDENTITY-HEADER, query api-version=2019-08-01,
 * resource, and optionally client_id / mi_res_id / object_id / principal_id. The answer carries
 * expires_on in epoch seconds as a string, like App Service does.
 */
export async function msiToken(runtime: EmulatorRuntime, context: RequestContext): Promise<HandlerResult> {
    const secret = context.request.headers['x-identity-header'];
    const expected = Buffer.from(runtime.identity.header);
    if (typeof secret !== 'string' || !safeEqual(Buffer.from(secret), expected)) {
        return failure(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
    }
    const query = context.url.searchParams;
    if (query.get('api-version') !== appServiceApiVersion) {
        return failure(400, `api-version must be ${appServiceApiVersion}.`);
    }
    const resource = query.get('resource');
    if (!resource) return failure(400, 'The resource query parameter is required.');
    const identity = resolveManagedIdentity(query, runtime.identity);
    const lifetimeSeconds = runtime.identity.tokenLifetimeSeconds;
    const { token, claims } = issueAccessToken(
        {
            principalId: identity.principalId,
            kind: 'app',
            audience: resource,
            lifetimeSeconds,
            nowMs: runtime.clock.nowMs(),
            ...(identity.clientId ? { clientId: identity.clientId } : {}),
            ...(identity.resourceId ? { managedIdentityResourceId: identity.resourceId } : {}),
        },
        runtime.store.state.signingKey,
    );
    context.log.principalId = identity.principalId;
    // Clients compare expires_on with their real clock; translate the emulated lifetime with the time scale.
    const realLifetime = runtime.clock.frozen ? lifetimeSeconds : lifetimeSeconds / runtime.clock.timeScale;
    const expiresOn = Math.floor(Date.now() / 1000 + realLifetime);
    runtime.logger.info('managed identity token issued', {
        principalId: identity.principalId,
        audience: resource,
        exp: claims.exp,
    });
    return {
        status: 200,
        body: {
            access_token: token,
            expires_on: String(expiresOn),
            resource,
            token_type: 'Bearer',
            client_id: identity.clientId ?? identity.principalId,
        },
    };
}

function safeEqual(a: Buffer, b: Buffer): boolean {
    return a.length === b.length && timingSafeEqual(a, b);
}
