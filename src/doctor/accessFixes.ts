import { toAccessProblem, type PowerBiFailure } from '../powerbi/powerBiFailure';
import type { WorkspaceListing } from '../powerbi/schemas';

/*
 * The fixes for the 401/403/404s that users meet while setting up Power BI access
 * (../shared/reference/peers.md, pain 2; infra/README.md section 3). Each returns the text the
 * checklist prints under "fix:".
 */

/** The tenant setting and its security group (infra/README.md 3a and 3b). */
export function tenantSettingFix(principalId: string): string {
    return [
        'A Fabric administrator enables the tenant setting "Service principals can use Fabric APIs"',
        '(Admin portal > Tenant settings > Developer settings) for a security group, and the identity joins that group:',
        `  az ad group member add --group "<security group name or id>" --member-id ${principalId}`,
        'Changes take about 15 minutes to apply. Give the identity no Power BI API permissions in Entra ID: it needs none.',
    ].join('\n');
}

/** The workspace role (infra/README.md 3c). */
export function workspaceRoleFix(workspaceId: string, principalId: string): string {
    return [
        `Give the identity the Member (or Contributor) role in workspace ${workspaceId}, signed in as a workspace Admin:`,
        `  npm run grant-powerbi-access -- --workspace ${workspaceId} --principal-id ${principalId}`,
    ].join('\n');
}

function visibleWorkspaces(workspaces: readonly WorkspaceListing[] | undefined): string {
    if (workspaces === undefined) return '';
    if (workspaces.length === 0) return ' It has a role in no workspace at all.';
    const listed = workspaces.slice(0, 10).map((workspace) => `${workspace.name ?? '(no name)'} (${workspace.id})`);
    return `\nThe identity has a role in: ${listed.join(', ')}${workspaces.length > 10 ? ', …' : ''}.`;
}

export function wrongWorkspaceFix(
    workspaceId: string,
    principalId: string,
    workspaces?: readonly WorkspaceListing[],
): string {
    return [
        `Check the workspace id ${workspaceId}: it is the GUID after /groups/ in the workspace's URL`,
        '(https://app.powerbi.com/groups/<id>/...), set as POWERBI_WORKSPACE_ID or the workspaceId of a dataset or target;',
        `"My workspace" cannot be used. A 404 also means the identity cannot see the workspace.${visibleWorkspaces(workspaces)}`,
        workspaceRoleFix(workspaceId, principalId),
    ].join('\n');
}

export function tokenExpiredFix(): string {
    return [
        `Power BI says the access token has expired. Check this machine's clock (it reads ${new Date().toISOString()}),`,
        'and that the credential hands out fresh tokens: sign in again (`az login`), or restart the app.',
    ].join('\n');
}

/** What the person should do about a failed call in a workspace, chosen by what the failure means. */
export function accessFix(
    failure: PowerBiFailure,
    scope: {
        workspaceId: string;
        principalId: string;
        memberOfWorkspace?: boolean;
        workspaces?: readonly WorkspaceListing[];
    },
): string {
    const { workspaceId, principalId } = scope;
    switch (toAccessProblem(failure)) {
        case 'tokenExpired':
            return tokenExpiredFix();
        case 'notAuthorized':
            // Power BI answers 401 both when the tenant setting shuts the identity out and when it has no role.
            if (scope.memberOfWorkspace === false) return workspaceRoleFix(workspaceId, principalId);
            return `${tenantSettingFix(principalId)}\n${workspaceRoleFix(workspaceId, principalId)}`;
        case 'forbidden':
            return scope.memberOfWorkspace
                ? workspaceRoleFix(workspaceId, principalId)
                : `${tenantSettingFix(principalId)}\n${workspaceRoleFix(workspaceId, principalId)}`;
        case 'notFound':
            return wrongWorkspaceFix(workspaceId, principalId, scope.workspaces);
        case 'notPushDataset':
            return 'The dataset is not a push dataset: give the configured dataset a name no other dataset in the workspace uses.';
        case undefined:
            if (failure.kind === 'throttled')
                return `Power BI is throttling; run the doctor again in ${failure.retryAfterSeconds} s.`;
            if (failure.kind === 'transient')
                return 'Power BI did not answer properly; run the doctor again, and check POWERBI_API_BASE_URL if it persists.';
            return `Power BI refused the call (${failure.status}${failure.code ? ` ${failure.code}` : ''}); see the detail above.`;
    }
}

/** "401 PowerBINotAuthorizedException: message" for the detail line. */
export function describeFailure(failure: PowerBiFailure): string {
    const status = 'status' in failure && failure.status !== undefined ? `${failure.status} ` : '';
    const code = failure.code && !failure.message.startsWith(failure.code) ? `${failure.code}: ` : '';
    const requestId = failure.requestId ? ` (RequestId ${failure.requestId})` : '';
    return `${status}${code}${failure.message}${requestId}`;
}
