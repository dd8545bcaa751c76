import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The resource behind the scope https://analysis.windows.net/powerbi/api/.default. */
export const powerBiAudience = 'https://analysis.windows.net/powerbi/api';
export const emulatorTenantId = '00000000-0000-0000-0000-00000000e3e1';

export const accessTokenClaimsSchema = z.object({
    aud: z.string(),
    iss: z.string(),
    iat: z.number(),
    nbf: z.number(),
    exp: z.number(),
    oid: z.string(),
    sub: z.string(),
    tid: z.string(),
    /** "app" for service principals and managed identities, "user" for users. */
    idtyp: z.enum(['app', 'user']),
    appid: z.string().optional(),
    xms_mirid: z.string().optional(),
    /** The token's unique id, as Entra ID tokens carry it: two tokens issued in the same second still differ. */
    uti: z.string().optional(),
});
export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

export interface TokenRequest {
    principalId: string;
    kind: 'app' | 'user';
    audience: string;
    lifetimeSeconds: number;
    nowMs: number;
    clientId?: string;
    managedIdentityResourceId?: string;
}

const base64url = (input: string | Buffer) => Buffer.from(input).toString('base64url');

/** Issues a JWT (HS256, signed with the emulator's key) carrying audience, expiry and the principal's oid. */
export function issueAccessToken(
    request: TokenRequest,
    signingKey: string,
): { token: string; claims: AccessTokenClaims } {
    const issuedAt = Math.floor(request.nowMs / 1000);
    const claims: AccessTokenClaims = {
        aud: request.audience,
        iss: `https://sts.windows.net/${emulatorTenantId}/`,
        iat: issuedAt,
        nbf: issuedAt,
        exp: issuedAt + request.lifetimeSeconds,
        oid: request.principalId,
        sub: request.principalId,
        tid: emulatorTenantId,
        idtyp: request.kind,
        uti: randomBytes(16).toString('base64url'),
        ...(request.clientId ? { appid: request.clientId } : {}),
        ...(request.managedIdentityResourceId ? { xms_mirid: request.managedIdentityResourceId } : {}),
    };
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'pbi-emulator' }));
    const payload = base64url(JSON.stringify(claims));
    const signature = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest('base64url');
    return { token: `${header}.${payload}.${signature}`, claims };
}

export type TokenVerdict = { valid: true; claims: AccessTokenClaims } | { valid: false; reason: string };

/** Checks the signature and shape only; audience and expiry are judged by the caller against the clock. */
export function verifyAccessToken(token: string, signingKey: string): TokenVerdict {
    const parts = token.split('.');
    if (parts.length !== 3) return { valid: false, reason: 'not a JWT' };
    const [header = '', payload = '', signature = ''] = parts;
    const expected = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { valid: false, reason: 'signature does not match (was it issued by this emulator?)' };
    }
    try {
        const claims = accessTokenClaimsSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
        return { valid: true, claims };
    } catch {
        return { valid: false, reason: 'malformed claims' };
    }
}
