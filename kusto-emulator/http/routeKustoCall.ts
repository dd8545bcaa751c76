import { kustoErrors } from '../errors/kustoErrors';
import type { FabricRoute } from '../fabric/fabricHandlers';

export type KustoRoute =
    | { kind: 'authMetadata' }
    | { kind: 'ingest'; database: string; table: string }
    | { kind: 'mgmt' }
    | { kind: 'query'; version: 'v1' | 'v2' }
    | { kind: 'fabric'; route: FabricRoute };

/**
 * Matches the endpoints the emulator serves; literal segments compare case-insensitively, captured names are
 * URL-decoded and kept as sent (entity names are case-sensitive). Unknown paths are 404, known ones with another
 * method 405.
 */
export function routeKustoCall(method: string, pathname: string): KustoRoute {
    const segments = pathname.split('/').filter((segment) => segment !== '');
    const lower = segments.map((segment) => segment.toLowerCase());
    const path = lower.join('/');
    const only = (wanted: string, route: KustoRoute): KustoRoute => {
        if (method !== wanted) throw kustoErrors.methodNotAllowed(method, pathname);
        return route;
    };
    if (path === 'v1/rest/auth/metadata') return only('GET', { kind: 'authMetadata' });
    if (path === 'v1/rest/mgmt') return only('POST', { kind: 'mgmt' });
    if (path === 'v1/rest/query') return only('POST', { kind: 'query', version: 'v1' });
    if (path === 'v2/rest/query') return only('POST', { kind: 'query', version: 'v2' });
    if (segments.length === 5 && path.startsWith('v1/rest/ingest/')) {
        return only('POST', { kind: 'ingest', database: decode(segments[3]!), table: decode(segments[4]!) });
    }
    const collection = lower[3];
    if (
        lower[0] === 'v1' &&
        lower[1] === 'workspaces' &&
        (segments.length === 4 || segments.length === 5) &&
        (collection === 'eventhouses' || collection === 'kqldatabases')
    ) {
        const workspaceId = decode(segments[2]!);
        const itemId = segments[4] === undefined ? undefined : decode(segments[4]);
        const kind = collection === 'eventhouses' ? 'eventhouses' : 'kqlDatabases';
        return only('GET', { kind: 'fabric', route: { kind, workspaceId, ...(itemId ? { itemId } : {}) } });
    }
    throw kustoErrors.routeNotFound(method, pathname);
}

function decode(segment: string): string {
    try {
        return decodeURIComponent(segment);
    } catch {
        throw kustoErrors.badRequest(`The path segment '${segment.slice(0, 100)}' is not valid URL encoding.`);
    }
}
