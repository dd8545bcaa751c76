import { createHash } from 'node:crypto';
import type { ResolvedIdentity } from '../EmulatorRuntime';

export interface ManagedIdentityPrincipal {
    principalId: string;
    clientId?: string;
    resourceId?: string;
}

/**
 * Which identity a /msi/token call asks for, App Service style:
 * - `client_id` (user-assigned): oid = identity.userAssigned[client_id] ?? client_id;
 * - `mi_res_id` / `msi_res_id` (user-assigned by ARM id): oid = identity.userAssigned[id] ?? a GUID derived from the id;
 * - `principal_id` / `object_id`: oid = that value;
 * - none: the system-assigned identity, oid = identity.systemAssignedPrincipalId.
 */
export function resolveManagedIdentity(query: URLSearchParams, identity: ResolvedIdentity): ManagedIdentityPrincipal {
    const clientId = query.get('client_id');
    if (clientId) return { principalId: (identity.userAssigned[clientId] ?? clientId).toLowerCase(), clientId };
    const resourceId = query.get('mi_res_id') ?? query.get('msi_res_id');
    if (resourceId) {
        const mapped = identity.userAssigned[resourceId];
        return { principalId: (mapped ?? guidFrom(resourceId.toLowerCase())).toLowerCase(), resourceId };
    }
    const objectId = query.get('principal_id') ?? query.get('object_id');
    if (objectId) return { principalId: objectId.toLowerCase() };
    return { principalId: identity.systemAssignedPrincipalId.toLowerCase() };
}

function guidFrom(text: string): string {
    const hex = createHash('sha256').update(text).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
