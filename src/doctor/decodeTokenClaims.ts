import { z } from 'zod';

/** The access-token claims the doctor shows (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference). */
const tokenClaimsSchema = z.looseObject({
    aud: z.string().optional(),
    appid: z.string().optional(),
    azp: z.string().optional(),
    oid: z.string().optional(),
    tid: z.string().optional(),
    idtyp: z.string().optional(),
    upn: z.string().optional(),
    unique_name: z.string().optional(),
    preferred_username: z.string().optional(),
    exp: z.number().optional(),
    /** Application permissions granted to the principal (admin-consented); Power BI wants none for service principals. */
    roles: z.array(z.string()).optional(),
    scp: z.string().optional(),
});

export type TokenClaims = z.infer<typeof tokenClaimsSchema>;

/** Reads a JWT's claims without verifying it: only for display and diagnosis, never for trust. */
export function decodeTokenClaims(token: string): TokenClaims | undefined {
    const payload = token.split('.')[1];
    if (payload === undefined) return undefined;
    try {
        const parsed = tokenClaimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
        return parsed.success ? parsed.data : undefined;
    } catch {
        return undefined;
    }
}

/** How the principal is known in a workspace's user list: its object id, client id or sign-in name. */
export function principalIdsOf(claims: TokenClaims): string[] {
    return [claims.oid, claims.appid, claims.azp, claims.upn, claims.unique_name, claims.preferred_username]
        .filter((id): id is string => typeof id === 'string' && id !== '')
        .map((id) => id.toLowerCase());
}

/** A user token has `idtyp: user` or a sign-in name; managed identities and service principals have neither. */
export function isUserToken(claims: TokenClaims): boolean {
    return (
        claims.idtyp === 'user' ||
        claims.upn !== undefined ||
        claims.unique_name !== undefined ||
        claims.scp !== undefined
    );
}
