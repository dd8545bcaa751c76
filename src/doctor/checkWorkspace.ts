import type { PowerBiClient } from '../powerbi/powerBiClient';
import type { Dataset, WorkspaceUser } from '../powerbi/schemas';
import type { DoctorCheck } from './DoctorCheck';
import { accessFix, describeFailure, workspaceRoleFix } from './accessFixes';
import type { Subject, WorkspaceListingResult } from './Subject';

/** Roles that may create push datasets, add rows and start refreshes (Viewers only read). */
const writingRoles = new Set(['admin', 'member', 'contributor']);

function memberOf(groups: WorkspaceListingResult, subject: Subject, workspaceId: string): boolean | undefined {
    if (!subject.ownToken || !groups.ok) return undefined;
    return groups.value.some((workspace) => workspace.id.toLowerCase() === workspaceId.toLowerCase());
}

/** GET /groups/{id}/datasets: the call the relay makes first; its failure names the access fix. */
export async function checkWorkspaceReachable(
    client: PowerBiClient,
    workspaceId: string,
    subject: Subject,
    groups: WorkspaceListingResult,
): Promise<{ check: DoctorCheck; datasets?: Dataset[] }> {
    const name = `Workspace ${workspaceId} is reachable`;
    const datasets = await client.getDatasets(workspaceId);
    if (datasets.ok) {
        const push = datasets.value.filter((dataset) => dataset.addRowsAPIEnabled === true).length;
        return {
            datasets: datasets.value,
            check: { name, ok: true, detail: `${datasets.value.length} dataset(s), ${push} of them push datasets` },
        };
    }
    return {
        check: {
            name,
            ok: false,
            detail: `GET /groups/${workspaceId}/datasets: ${describeFailure(datasets.failure)}`,
            fix: accessFix(datasets.failure, {
                workspaceId,
                principalId: subject.principalId,
                memberOfWorkspace: memberOf(groups, subject, workspaceId),
                ...(groups.ok && subject.ownToken ? { workspaces: groups.value } : {}),
            }),
        },
    };
}

const findSubject = (users: readonly WorkspaceUser[], subject: Subject) =>
    users.find((user) =>
        [user.identifier, user.graphId, user.emailAddress].some(
            (id) => id !== undefined && subject.ids.includes(id.toLowerCase()),
        ),
    );

/**
 * The subject's role, from Groups - Get Group Users. When that list cannot be read (the service may keep
 * it from some roles) or the role comes through a group, membership from Groups - Get Groups is reported instead.
 */
export async function checkWorkspaceRole(
    client: PowerBiClient,
    workspaceId: string,
    subject: Subject,
    groups: WorkspaceListingResult,
): Promise<DoctorCheck> {
    const name = `The identity can write in workspace ${workspaceId}`;
    const fix = workspaceRoleFix(workspaceId, subject.principalId);
    const listed = await client.getGroupUsers(workspaceId);
    const member = memberOf(groups, subject, workspaceId);
    if (!listed.ok) {
        const why = `the workspace users could not be read (${describeFailure(listed.failure)})`;
        if (member)
            return { name, ok: true, detail: `has a role in the workspace; ${why}, so the role itself is unknown` };
        return { name, ok: false, detail: `${subject.principalId}: ${why}`, fix };
    }
    const user = findSubject(listed.value, subject);
    if (!user) {
        if (member) {
            return {
                name,
                ok: true,
                detail: "has a role through a group (it is not listed by itself); the group's role applies",
            };
        }
        return { name, ok: false, detail: `${subject.principalId} has no role in the workspace`, fix };
    }
    const role = user.groupUserAccessRight;
    if (!writingRoles.has(role.toLowerCase())) {
        return {
            name,
            ok: false,
            detail: `${user.displayName ?? subject.principalId} is ${role}: it can read, but cannot create push datasets, add rows or start refreshes`,
            fix,
        };
    }
    return { name, ok: true, detail: `${user.displayName ?? subject.principalId} is ${role}` };
}
