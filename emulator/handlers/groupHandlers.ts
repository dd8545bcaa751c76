import { createHash } from 'node:crypto';
import { accessWorkspace, authenticate, type WorkspaceAccess } from '../auth/authorize';
import type { EmulatorRuntime } from '../EmulatorRuntime';
import { powerBiErrors } from '../errors/powerBiErrors';
import { parseJsonBody } from '../http/parseJsonBody';
import { readBody } from '../http/readBody';
import type { HandlerResult, RequestContext } from '../http/RequestContext';
import type { RouteParams } from '../http/RouteParams';
import { groupUserRequestSchema, type GroupUserRequest } from '../schemas/groupSchemas';
import type { StoredWorkspace, WorkspaceMember, WorkspaceRole } from '../state/StoredEntities';

type Handler = (runtime: EmulatorRuntime, context: RequestContext, params: RouteParams) => Promise<HandlerResult>;

/** Least to most access; "Add members or others with lower permissions" is what a Member may do. */
const roleRank: Record<WorkspaceRole, number> = { Viewer: 1, Contributor: 2, Member: 3, Admin: 4 };

/** A stable capacity id for a Premium workspace, so repeated listings agree. */
const capacityIdOf = (workspace: StoredWorkspace) => {
    const hex = createHash('sha256').update(`capacity:${workspace.id}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

function workspaceOf(runtime: EmulatorRuntime, context: RequestContext, params: RouteParams): WorkspaceAccess {
    const caller = authenticate(runtime, context);
    // Without a group id the route would be My workspace, which has no Groups API.
    return accessWorkspace(runtime, caller, params.groupId ?? '');
}

function readPaging(context: RequestContext): { top?: number; skip: number } {
    const query = context.url.searchParams;
    if (query.has('$filter')) throw powerBiErrors.unsupportedQueryOption('$filter');
    const parse = (option: '$top' | '$skip'): number | undefined => {
        const value = query.get(option);
        if (value === null) return undefined;
        if (!/^\d+$/.test(value)) throw powerBiErrors.invalidPaging(option);
        return Number(value);
    };
    const top = parse('$top');
    return { ...(top === undefined ? {} : { top }), skip: parse('$skip') ?? 0 };
}

const page = <T>(items: T[], paging: { top?: number; skip: number }): T[] =>
    items.slice(paging.skip, paging.top === undefined ? undefined : paging.skip + paging.top);

function toGroupUser(member: WorkspaceMember) {
    return {
        ...(member.displayName ? { displayName: member.displayName } : {}),
        ...(member.emailAddress ? { emailAddress: member.emailAddress } : {}),
        groupUserAccessRight: member.role,
        identifier: member.principalId,
        principalType: member.principalType ?? 'App',
    };
}

/** The principal a GroupUser body names: `identifier`, or for users added by e-mail, `emailAddress`. */
function principalOf(user: GroupUserRequest): { principalId: string; principalType: 'App' | 'User' | 'Group' } {
    const principalType = user.principalType ?? 'User';
    if (principalType === 'None')
        throw powerBiErrors.badRequest([
            {
                message: "principalType 'None' (whole organization) is not supported by the emulator.",
                target: 'userDetails.principalType',
            },
        ]);
    return { principalId: (user.identifier ?? user.emailAddress ?? '').toLowerCase(), principalType };
}

/** Reads the GroupUser body and checks that the caller may give that right (Admin: any; Member: up to Member). */
async function readGrant(runtime: EmulatorRuntime, context: RequestContext, workspace: WorkspaceAccess) {
    if (workspace.role !== 'Admin' && workspace.role !== 'Member') throw powerBiErrors.insufficientRole(workspace.role);
    const raw = await readBody(context.request, runtime.limits.maxRequestBytes);
    const user = parseJsonBody(context.request, raw, groupUserRequestSchema, 'userDetails')!;
    const role = user.groupUserAccessRight;
    if (role === 'None') throw powerBiErrors.unsupportedAccessRight(role);
    if (roleRank[role] > roleRank[workspace.role]) throw powerBiErrors.insufficientRole(workspace.role);
    return { user, role, ...principalOf(user) };
}

const findMember = (workspace: StoredWorkspace, principalId: string) =>
    workspace.members.find((member) => member.principalId.toLowerCase() === principalId.toLowerCase());

const admins = (workspace: StoredWorkspace) => workspace.members.filter((member) => member.role === 'Admin').length;

/** GET /groups (Groups_GetGroups): the workspaces the caller has a role in; never My workspace. */
export const getGroups: Handler = async (runtime, context) => {
    const caller = authenticate(runtime, context);
    const paging = readPaging(context);
    const mine = runtime.store.state.workspaces.filter(
        (workspace) => workspace.personalOwner === undefined && findMember(workspace, caller.principalId),
    );
    return {
        status: 200,
        body: {
            '@odata.context': `${runtime.url}/v1.0/myorg/$metadata#groups`,
            value: page(mine, paging).map((workspace) => ({
                id: workspace.id,
                isReadOnly: false,
                isOnDedicatedCapacity: workspace.capacity === 'Premium',
                ...(workspace.capacity === 'Premium'
                    ? { capacityId: capacityIdOf(workspace), defaultDatasetStorageFormat: 'Small' }
                    : {}),
                name: workspace.name,
            })),
        },
    };
};

/**
 * GET /groups/{groupId}/users (Groups_GetGroupUsers). The docs require only the scope
 * Workspace.Read.All, and the 2017 reference has a user who was just added poll this call; so every
 * role may list, and a non-member gets the 401 of every other workspace call.
 */
export const getGroupUsers: Handler = async (runtime, context, params) => {
    const { workspace, basePath } = workspaceOf(runtime, context, params);
    const paging = readPaging(context);
    return {
        status: 200,
        body: {
            '@odata.context': `${runtime.url}${basePath}/$metadata#users`,
            value: page(workspace.members, paging).map(toGroupUser),
        },
    };
};

/** POST /groups/{groupId}/users (Groups_AddGroupUser): 200, empty body; a principal already there is a 400. */
export const addGroupUser: Handler = async (runtime, context, params) => {
    const access = workspaceOf(runtime, context, params);
    const grant = await readGrant(runtime, context, access);
    const { workspace } = access;
    if (findMember(workspace, grant.principalId)) throw powerBiErrors.groupUserAlreadyExists(grant.principalId);
    workspace.members.push({
        principalId: grant.principalId,
        role: grant.role,
        principalType: grant.principalType,
        ...(grant.user.displayName ? { displayName: grant.user.displayName } : {}),
        ...(grant.user.emailAddress ? { emailAddress: grant.user.emailAddress } : {}),
    });
    runtime.store.changed();
    runtime.logger.info('workspace user added', {
        workspaceId: workspace.id,
        principalId: grant.principalId,
        role: grant.role,
    });
    return { status: 200 };
};

/** PUT /groups/{groupId}/users (Groups_UpdateGroupUser): changes the role of a principal already in the workspace. */
export const updateGroupUser: Handler = async (runtime, context, params) => {
    const access = workspaceOf(runtime, context, params);
    const grant = await readGrant(runtime, context, access);
    const { workspace } = access;
    const member = findMember(workspace, grant.principalId);
    if (!member) throw powerBiErrors.groupUserNotFound(grant.principalId, workspace.id);
    if (member.role === 'Admin' && access.role !== 'Admin') throw powerBiErrors.insufficientRole(access.role);
    if (member.role === 'Admin' && grant.role !== 'Admin' && admins(workspace) === 1)
        throw powerBiErrors.lastWorkspaceAdmin();
    member.role = grant.role;
    runtime.store.changed();
    runtime.logger.info('workspace user updated', {
        workspaceId: workspace.id,
        principalId: member.principalId,
        role: grant.role,
    });
    return { status: 200 };
};

/** DELETE /groups/{groupId}/users/{user} (Groups_DeleteUserInGroup): Admin only ("add/remove people"). */
export const deleteGroupUser: Handler = async (runtime, context, params) => {
    const access = workspaceOf(runtime, context, params);
    if (access.role !== 'Admin') throw powerBiErrors.insufficientRole(access.role);
    const { workspace } = access;
    const member = findMember(workspace, params.user ?? '');
    if (!member) throw powerBiErrors.groupUserNotFound(params.user ?? '', workspace.id);
    if (member.role === 'Admin' && admins(workspace) === 1) throw powerBiErrors.lastWorkspaceAdmin();
    workspace.members = workspace.members.filter((candidate) => candidate !== member);
    runtime.store.changed();
    runtime.logger.info('workspace user removed', { workspaceId: workspace.id, principalId: member.principalId });
    return { status: 200 };
};
