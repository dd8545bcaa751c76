import { z } from 'zod';

/** Groups - Get Groups (definitions Groups, Group): the workspaces the caller has a role in. */
export const groupsSchema = z.looseObject({
    value: z.array(
        z.looseObject({
            id: z.string(),
            name: z.string().optional(),
            isOnDedicatedCapacity: z.boolean().optional(),
        }),
    ),
});
export type WorkspaceListing = z.infer<typeof groupsSchema>['value'][number];

/** Groups - Get Group Users (definitions GroupUsers, GroupUser). */
export const groupUsersSchema = z.looseObject({
    value: z.array(
        z.looseObject({
            identifier: z.string().optional(),
            graphId: z.string().optional(),
            emailAddress: z.string().optional(),
            displayName: z.string().optional(),
            principalType: z.string().optional(),
            groupUserAccessRight: z.string(),
        }),
    ),
});
export type WorkspaceUser = z.infer<typeof groupUsersSchema>['value'][number];
