import type { TokenCredential } from '@azure/identity';
import type { Settings } from '../config/settings';
import type { DoctorCheck } from './DoctorCheck';
import { tokenExpiredFix } from './accessFixes';
import { decodeTokenClaims, isUserToken, type TokenClaims } from './decodeTokenClaims';

export interface ObtainedToken {
    token: string;
    claims: TokenClaims;
}

function credentialFix(settings: Settings): string {
    if (settings.POWERBI_CREDENTIAL === 'managedIdentity') {
        // @azure/identity reads the App Service endpoint from the process environment, not from the app settings.
        const endpoint = process.env.IDENTITY_ENDPOINT;
        return [
            ...(endpoint
                ? [`IDENTITY_ENDPOINT is ${endpoint}: is it up (locally: \`npm start\` or \`npm run emulator\`)?`]
                : []),
            'The managed identity gave no token.',
            `In Azure: the function app must have the user-assigned identity attached, and AZURE_CLIENT_ID (${settings.AZURE_CLIENT_ID ?? 'not set'})`,
            'must be its client id (`azd env get-value MANAGED_IDENTITY_CLIENT_ID`).',
            'Locally: POWERBI_CREDENTIAL=managedIdentity needs IDENTITY_ENDPOINT and IDENTITY_HEADER (the emulator of `npm start`);',
            'against the real service use POWERBI_CREDENTIAL=default and sign in with `az login`.',
        ].join('\n');
    }
    return 'Sign in with `az login` (add `--tenant <tenant id>` for the tenant of the Power BI workspace), or `azd auth login`.';
}

const expectedAudience = (scope: string) => scope.replace(/\/\.default$/, '').replace(/\/$/, '');

/**
 * Audiences Power BI accepts besides the scope's resource: the exact `aud` of its tokens is unconfirmed
 * (the enhanced refresh docs say https://api.powerbi.com), and Entra may put the app id there instead.
 */
const powerBiAudiences = ['https://api.powerbi.com', '00000009-0000-0000-c000-000000000000'];

function describeClaims(claims: TokenClaims): string {
    const who = isUserToken(claims)
        ? `user ${claims.upn ?? claims.unique_name ?? claims.preferred_username ?? claims.oid ?? '?'}`
        : 'service principal / managed identity';
    const expires = claims.exp === undefined ? 'no exp' : `expires ${new Date(claims.exp * 1000).toISOString()}`;
    return [
        who,
        `aud ${claims.aud ?? '?'}`,
        claims.appid ? `appid ${claims.appid}` : undefined,
        `oid ${claims.oid ?? '?'}`,
        claims.tid ? `tid ${claims.tid}` : undefined,
        expires,
    ]
        .filter(Boolean)
        .join(', ');
}

/**
 * Gets a token with the app's own credential and scope, and reads (without verifying) its claims:
 * the audience must be the Power BI resource, and it must not have expired by this machine's clock.
 */
export async function checkToken(
    settings: Settings,
    credential: TokenCredential,
    now: () => number = Date.now,
): Promise<{ check: DoctorCheck; token?: ObtainedToken }> {
    const name = 'A Power BI token can be obtained';
    let token: string;
    try {
        const accessToken = await credential.getToken(settings.POWERBI_SCOPE, {
            abortSignal: AbortSignal.timeout(settings.POWERBI_TIMEOUT_MS),
        });
        if (!accessToken) throw new Error(`the credential returned no token for ${settings.POWERBI_SCOPE}`);
        token = accessToken.token;
    } catch (error) {
        const message = String((error as Error)?.message ?? error).split('\n')[0];
        return {
            check: {
                name,
                ok: false,
                detail: `${(error as Error)?.name ?? 'Error'}: ${message}`,
                fix: credentialFix(settings),
            },
        };
    }
    const claims = decodeTokenClaims(token);
    if (!claims) {
        return { check: { name, ok: false, detail: 'The token is not a readable JWT', fix: credentialFix(settings) } };
    }
    const detail = describeClaims(claims);
    const audience = expectedAudience(settings.POWERBI_SCOPE);
    if (claims.aud !== undefined && ![audience, ...powerBiAudiences].includes(claims.aud.replace(/\/$/, ''))) {
        return {
            check: {
                name,
                ok: false,
                detail: `${detail}; the audience is not ${audience}`,
                fix: 'Set POWERBI_SCOPE to https://analysis.windows.net/powerbi/api/.default (or leave it unset).',
            },
        };
    }
    if (claims.exp !== undefined && claims.exp * 1000 <= now()) {
        return { check: { name, ok: false, detail: `${detail}; already expired`, fix: tokenExpiredFix() } };
    }
    return { check: { name, ok: true, detail }, token: { token, claims } };
}

/**
 * Service principals need no Power BI API permissions, and admin-consented ones "can cause errors"
 * (https://learn.microsoft.com/power-bi/developer/embedded/embed-service-principal); they show up as `roles`.
 */
export function checkNoApiPermissions(claims: TokenClaims, principalId: string): DoctorCheck {
    const roles = claims.roles ?? [];
    return roles.length === 0
        ? { name: 'The identity has no Power BI API permissions', ok: true, detail: 'no roles claim in the token' }
        : {
              name: 'The identity has no Power BI API permissions',
              ok: false,
              detail: `the token carries application permissions: ${roles.join(', ')}`,
              fix: [
                  'Remove the Power BI Service API permissions from the identity in Entra ID; a service principal needs none,',
                  'and admin-consented ones cause errors. List them with:',
                  `  az rest --url "https://graph.microsoft.com/v1.0/servicePrincipals/${principalId}/appRoleAssignments"`,
              ].join('\n'),
          };
}
