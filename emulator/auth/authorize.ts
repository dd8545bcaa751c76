import type { EmulatorRuntime } from '../EmulatorRuntime';
import { powerBiErrors } from '../errors/powerBiErrors';
import type { RequestContext } from '../http/RequestContext';
import type { StoredWorkspace, WorkspaceRole } from '../state/StoredEntities';
import { powerBiAudience, verifyAccessToken } from './accessToken';

export interface Caller {
    principalId: string;
    kind: 'app' | 'user';
}

/**
 * Bearer token checks in the order the service answers them: missing or unreadable -> 401,
 * wrong audience -> 401, expired (on the emulator clock, or refused by a tokenExpired fault) -> 403 TokenExpired.
 */
export function authenticate(runtime: EmulatorRuntime, context: RequestContext): Caller {
    const header = context.request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw powerBiErrors.missingToken();
    const verdict = verifyAccessToken(match[1], runtime.store.state.signingKey);
    if (!verdict.valid) throw powerBiErrors.invalidToken(verdict.reason);
    const { claims } = verdict;
    if (claims.aud.replace(/\/$/, '') !== powerBiAudience) {
        throw powerBiErrors.invalidToken(`audience '${claims.aud}' is not ${powerBiAudience}`);
    }
    if (claims.exp * 1000 <= runtime.clock.nowMs() || runtime.faults.isExpired(match[1])) {
        throw powerBiErrors.tokenExpired();
    }
    context.log.principalId = claims.oid;
    return { principalId: claims.oid, kind: claims.idtyp };
}

export interface WorkspaceAccess {
    workspace: StoredWorkspace;
    role: WorkspaceRole;
    /** The `/v1.0/myorg/groups/{id}` prefix, or `/v1.0/myorg` for My workspace. */
    basePath: string;
}

/**
 * Resolves `/groups/{groupId}` (or My workspace when absent) for the caller.
 * Service principals have no My workspace ("API is not accessible for application").
 */
export function accessWorkspace(
    runtime: EmulatorRuntime,
    caller: Caller,
    groupId: string | undefined,
): WorkspaceAccess {
    if (groupId === undefined) {
        if (caller.kind === 'app') throw powerBiErrors.myWorkspaceNotForApps();
        return {
            workspace: runtime.store.personalWorkspace(caller.principalId),
            role: 'Admin',
            basePath: '/v1.0/myorg',
        };
    }
    const workspace = runtime.store.workspace(groupId);
    if (!workspace || workspace.personalOwner !== undefined) throw powerBiErrors.workspaceNotFound(groupId);
    const member = workspace.members.find(
        (candidate) => candidate.principalId.toLowerCase() === caller.principalId.toLowerCase(),
    );
    if (!member) throw powerBiErrors.notWorkspaceMember();
    return { workspace, role: member.role, basePath: `/v1.0/myorg/groups/${workspace.id}` };
}

/** Viewers can read; writing (create, put table, rows, refresh, cancel) needs Contributor or above. */
export function requireWriteRole(access: WorkspaceAccess): void {
    if (access.role === 'Viewer') throw powerBiErrors.insufficientRole(access.role);
}
