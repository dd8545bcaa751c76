import { afterAll, beforeEach, beforeAll, describe, expect, it } from 'vitest';
import { powerBiGroupSchemas } from '../../emulator';
import {
    adminPrincipal,
    apiClient,
    createSalesDataset,
    outsiderPrincipal,
    productRow,
    startTestBed,
    viewerPrincipal,
    type TestBed,
} from './support/powerBiTestBed';

const identity = 'b0000000-0000-4000-8000-0000000000a1';
const memberPrincipal = 'b0000000-0000-4000-8000-0000000000a2';
const contributorPrincipal = 'b0000000-0000-4000-8000-0000000000a3';

let bed: TestBed;
let workspaceId: string;
let users: string;

beforeAll(async () => {
    bed = await startTestBed();
});
afterAll(async () => {
    await bed.emulator.close();
});
beforeEach(async () => {
    ({ id: workspaceId } = await bed.emulator.createWorkspace({
        name: 'Relay',
        members: [
            { principalId: adminPrincipal, role: 'Admin', displayName: 'Deployer', principalType: 'User' },
            { principalId: memberPrincipal, role: 'Member' },
            { principalId: contributorPrincipal, role: 'Contributor' },
            { principalId: viewerPrincipal, role: 'Viewer' },
        ],
    }));
    users = `/v1.0/myorg/groups/${workspaceId}/users`;
});

const asApp = (identifier: string, groupUserAccessRight: string) => ({
    identifier,
    principalType: 'App',
    groupUserAccessRight,
});

async function roleOf(principalId: string): Promise<string | undefined> {
    const listed = await bed.api.get(users);
    return (listed.body.value as { identifier: string; groupUserAccessRight: string }[]).find(
        (user) => user.identifier === principalId,
    )?.groupUserAccessRight;
}

describe('Groups - Get Groups', () => {
    it('lists the workspaces the caller has a role in, in the spec shape, with capacity flags', async () => {
        const { id: shared } = await bed.emulator.createWorkspace({
            name: 'Pro',
            capacity: 'Shared',
            members: [{ principalId: memberPrincipal, role: 'Viewer' }],
        });
        const member = await bed.clientFor(memberPrincipal);
        const listed = await member.get('/v1.0/myorg/groups');
        expect(listed.status).toBe(200);
        const groups = powerBiGroupSchemas.groupsSchema.parse(listed.body).value;
        const relay = groups.find((group) => group.id === workspaceId);
        expect(relay).toMatchObject({ name: 'Relay', isReadOnly: false, isOnDedicatedCapacity: true });
        expect(relay?.capacityId).toMatch(/^[0-9a-f-]{36}$/);
        expect(groups.find((group) => group.id === shared)).toEqual({
            id: shared,
            name: 'Pro',
            isReadOnly: false,
            isOnDedicatedCapacity: false,
        });
        expect(groups.every((group) => group.id !== bed.workspaceId)).toBe(true);
    });

    it('an authenticated principal without any role gets an empty list; no token is 401', async () => {
        const outsider = await bed.clientFor(outsiderPrincipal);
        expect((await outsider.get('/v1.0/myorg/groups')).body.value).toEqual([]);
        const anonymous = await apiClient(bed.emulator.url).get('/v1.0/myorg/groups');
        expect(anonymous.status).toBe(401);
        expect(anonymous.body.error.code).toBe('PowerBINotAuthorizedException');
    });

    it('pages with $top and $skip, and refuses $filter, which the emulator does not evaluate', async () => {
        const all = (await bed.api.get('/v1.0/myorg/groups')).body.value as { id: string }[];
        expect(all.length).toBeGreaterThan(1);
        const second = await bed.api.get('/v1.0/myorg/groups?$top=1&$skip=1');
        expect(second.body.value).toEqual([all[1]]);
        expect((await bed.api.get('/v1.0/myorg/groups?$top=-1')).status).toBe(400);
        expect((await bed.api.get("/v1.0/myorg/groups?$filter=name eq 'Relay'")).status).toBe(400);
    });
});

describe('Groups - Get Group Users', () => {
    it('lists every principal with its access right in the GroupUsers shape, to any role', async () => {
        const viewer = await bed.clientFor(viewerPrincipal);
        const listed = await viewer.get(users);
        expect(listed.status).toBe(200);
        const parsed = powerBiGroupSchemas.groupUsersSchema.parse(listed.body);
        expect(parsed.value).toEqual([
            {
                displayName: 'Deployer',
                groupUserAccessRight: 'Admin',
                identifier: adminPrincipal,
                principalType: 'User',
            },
            { groupUserAccessRight: 'Member', identifier: memberPrincipal, principalType: 'App' },
            { groupUserAccessRight: 'Contributor', identifier: contributorPrincipal, principalType: 'App' },
            { groupUserAccessRight: 'Viewer', identifier: viewerPrincipal, principalType: 'App' },
        ]);
    });

    it('a principal without a role gets 401 PowerBINotAuthorizedException; an unknown workspace is 404', async () => {
        const outsider = await bed.clientFor(outsiderPrincipal);
        const refused = await outsider.get(users);
        expect(refused.status).toBe(401);
        expect(refused.body.error.code).toBe('PowerBINotAuthorizedException');
        const unknown = await bed.api.get('/v1.0/myorg/groups/00000000-0000-4000-8000-000000000000/users');
        expect(unknown.status).toBe(404);
        expect(unknown.body.error.code).toBe('PowerBIEntityNotFound');
    });
});

describe('Groups - Add Group User', () => {
    it('an Admin adds a service principal as Member (200, empty body), which can then push rows', async () => {
        const added = await bed.api.post(users, asApp(identity, 'Member'));
        expect(added.status).toBe(200);
        expect(added.text).toBe('');
        expect(await roleOf(identity)).toBe('Member');

        const pusher = apiClient(bed.emulator.url, await bed.tokenFor(identity));
        const group = `/v1.0/myorg/groups/${workspaceId}`;
        const created = await pusher.post(`${group}/datasets`, {
            name: 'Pushed',
            tables: [{ name: 'Product', columns: [{ name: 'ProductID', dataType: 'Int64' }] }],
        });
        expect(created.status).toBe(201);
        const rows = await pusher.post(`${group}/datasets/${created.body.id}/tables/Product/rows`, {
            rows: [{ ProductID: 1 }],
        });
        expect(rows.status).toBe(200);
    });

    it('adding a principal that already has a role is 400 AddingAlreadyExistsGroupUserNotSupportedError', async () => {
        const again = await bed.api.post(users, asApp(viewerPrincipal.toUpperCase(), 'Member'));
        expect(again.status).toBe(400);
        expect(again.body.error.code).toBe('AddingAlreadyExistsGroupUserNotSupportedError');
        expect(await roleOf(viewerPrincipal)).toBe('Viewer');
    });

    it('accepts both forms of the spec examples: e-mail only, and identifier with principalType', async () => {
        const byMail = await bed.api.post(users, { emailAddress: 'john@contoso.com', groupUserAccessRight: 'Admin' });
        expect(byMail.status).toBe(200);
        const sp = await bed.api.post(users, {
            identifier: '1f69e798-5852-4fdd-ab01-33bb14b6e934',
            groupUserAccessRight: 'Admin',
            principalType: 'App',
        });
        expect(sp.status).toBe(200);
        const listed = (await bed.api.get(users)).body.value;
        expect(listed).toContainEqual({
            emailAddress: 'john@contoso.com',
            groupUserAccessRight: 'Admin',
            identifier: 'john@contoso.com',
            principalType: 'User',
        });
    });

    it('refuses bodies the GroupUser definition does not allow', async () => {
        const unknownProperty = await bed.api.post(users, { ...asApp(identity, 'Member'), role: 'Member' });
        expect(unknownProperty.status).toBe(400);
        expect(unknownProperty.body.error.details[0].message).toContain(
            "The property 'role' does not exist on type 'Microsoft.PowerBI.ServiceContracts.Api.GroupUser'",
        );
        expect((await bed.api.post(users, { principalType: 'App', groupUserAccessRight: 'Member' })).status).toBe(400);
        expect((await bed.api.post(users, { identifier: identity, groupUserAccessRight: 'Member' })).status).toBe(400);
        expect((await bed.api.post(users, asApp(identity, 'Owner'))).status).toBe(400);
        const none = await bed.api.post(users, asApp(identity, 'None'));
        expect(none.status).toBe(400);
        expect(none.body.error.code).toBe('UnsupportedAccessRightError');
        expect(await roleOf(identity)).toBeUndefined();
    });

    it('a Member adds Member or lower but not Admin; Contributors and Viewers cannot add (403)', async () => {
        const member = await bed.clientFor(memberPrincipal);
        expect((await member.post(users, asApp(identity, 'Admin'))).status).toBe(403);
        expect((await member.post(users, asApp(identity, 'member'))).status).toBe(200);
        expect(await roleOf(identity)).toBe('Member');
        for (const principal of [contributorPrincipal, viewerPrincipal]) {
            const client = await bed.clientFor(principal);
            const refused = await client.post(users, asApp(outsiderPrincipal, 'Viewer'));
            expect(refused.status).toBe(403);
            expect(refused.body.error.code).toBe('PowerBINotAuthorizedException');
        }
    });
});

describe('Groups - Update Group User', () => {
    it('raises a Viewer to Member, after which its writes succeed', async () => {
        const datasetId = await createSalesDataset({ ...bed, group: `/v1.0/myorg/groups/${workspaceId}` });
        const viewer = await bed.clientFor(viewerPrincipal);
        const rowsPath = `/v1.0/myorg/groups/${workspaceId}/datasets/${datasetId}/tables/Product/rows`;
        expect((await viewer.post(rowsPath, { rows: [productRow(1)] })).status).toBe(403);
        expect((await bed.api.put(users, asApp(viewerPrincipal, 'Member'))).status).toBe(200);
        expect(await roleOf(viewerPrincipal)).toBe('Member');
        expect((await viewer.post(rowsPath, { rows: [productRow(1)] })).status).toBe(200);
    });

    it('a principal without a role is 404; a Member cannot change an Admin; the last Admin stays', async () => {
        const missing = await bed.api.put(users, asApp(identity, 'Member'));
        expect(missing.status).toBe(404);
        const member = await bed.clientFor(memberPrincipal);
        expect((await member.put(users, { ...asApp(adminPrincipal, 'Viewer'), principalType: 'User' })).status).toBe(
            403,
        );
        const demoted = await bed.api.put(users, { ...asApp(adminPrincipal, 'Member'), principalType: 'User' });
        expect(demoted.status).toBe(400);
        expect(await roleOf(adminPrincipal)).toBe('Admin');
    });
});

describe('Groups - Delete User In Group', () => {
    it('an Admin removes a principal, which then gets 401 on the workspace', async () => {
        const removed = await bed.api.delete(`${users}/${memberPrincipal}`);
        expect(removed.status).toBe(200);
        expect(await roleOf(memberPrincipal)).toBeUndefined();
        const member = await bed.clientFor(memberPrincipal);
        expect((await member.get(`/v1.0/myorg/groups/${workspaceId}/datasets`)).status).toBe(401);
    });

    it('only an Admin removes (403 for a Member); an unknown principal is 404', async () => {
        const member = await bed.clientFor(memberPrincipal);
        expect((await member.delete(`${users}/${viewerPrincipal}`)).status).toBe(403);
        expect((await bed.api.delete(`${users}/${outsiderPrincipal}`)).status).toBe(404);
    });
});

describe('Groups API in the pipeline', () => {
    it('logs the operations by name and takes injected faults like any other operation', async () => {
        await bed.emulator.clearRequests();
        await bed.emulator.injectFaults({ operation: 'getGroupUsers', kind: 'status', status: 503 });
        expect((await bed.api.get(users)).status).toBe(503);
        expect((await bed.api.get(users)).status).toBe(200);
        await bed.api.get('/v1.0/myorg/groups');
        expect((await bed.emulator.requests()).map((entry) => [entry.operation, entry.status])).toEqual([
            ['getGroupUsers', 503],
            ['getGroupUsers', 200],
            ['getGroups', 200],
        ]);
        expect((await bed.api.call('PATCH', users)).status).toBe(405);
    });
});
