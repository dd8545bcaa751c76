import { z } from 'zod';
import { caseInsensitiveEnum } from './caseInsensitiveEnum';
import { serviceType } from './requestSchemas';

/*
 * Groups (workspaces) API bodies, written from the spec's definitions GroupUser (allOf User), Group
 * (GroupBaseProperties + GroupExtendedProperties), Groups and GroupUsers
 * (microsoft/PowerBI-CSharp sdk/swaggers/swagger.json @ 4ad33dd).
 */

export const groupUserAccessRights = ['None', 'Member', 'Admin', 'Contributor', 'Viewer'] as const;
export const principalTypes = ['None', 'User', 'Group', 'App'] as const;

/**
 * The `userDetails` body of Groups - Add Group User (POST) and Update Group User (PUT). `User` marks
 * `identifier` and `principalType` required, yet the spec's own first example sends only
 * `emailAddress` and `groupUserAccessRight`; both forms are accepted, anything else is a 400.
 */
export const groupUserRequestSchema = serviceType('GroupUser', {
    groupUserAccessRight: caseInsensitiveEnum(groupUserAccessRights),
    emailAddress: z.string().min(1).optional(),
    displayName: z.string().optional(),
    identifier: z.string().min(1).optional(),
    graphId: z.string().optional(),
    userType: z.string().optional(),
    principalType: caseInsensitiveEnum(principalTypes).optional(),
    profile: serviceType('ServicePrincipalProfile', { id: z.string(), displayName: z.string().optional() }).optional(),
}).superRefine((user, ctx) => {
    if (user.identifier === undefined && user.emailAddress === undefined) {
        ctx.addIssue({
            code: 'custom',
            path: ['identifier'],
            message: 'Either identifier or emailAddress is required.',
        });
    }
    if (user.identifier !== undefined && user.principalType === undefined) {
        ctx.addIssue({
            code: 'custom',
            path: ['principalType'],
            message: 'principalType is required with identifier.',
        });
    }
});
export type GroupUserRequest = z.infer<typeof groupUserRequestSchema>;

/** A GroupUser as GET .../users answers it. */
export const groupUserSchema = z.object({
    groupUserAccessRight: z.enum(groupUserAccessRights),
    emailAddress: z.string().optional(),
    displayName: z.string().optional(),
    identifier: z.string(),
    graphId: z.string().optional(),
    principalType: z.enum(principalTypes),
});

export const groupUsersSchema = z.object({
    '@odata.context': z.string().optional(),
    value: z.array(groupUserSchema),
});

/** A Group as GET /groups answers it (the spec's examples; `capacityId` only on dedicated capacity). */
export const groupSchema = z.object({
    id: z.string().uuid(),
    name: z.string().optional(),
    isReadOnly: z.boolean().optional(),
    isOnDedicatedCapacity: z.boolean().optional(),
    capacityId: z.string().uuid().optional(),
    defaultDatasetStorageFormat: z.string().optional(),
    dataflowStorageId: z.string().uuid().optional(),
});

export const groupsSchema = z.object({
    '@odata.context': z.string().optional(),
    value: z.array(groupSchema),
});
