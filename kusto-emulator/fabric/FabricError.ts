/** An error of the Fabric REST API: `{"requestId","errorCode","message"}`, with `x-ms-public-api-error-code`. */
export class FabricError extends Error {
    constructor(
        readonly status: number,
        readonly errorCode: string,
        message: string,
    ) {
        super(message);
        this.name = 'FabricError';
    }

    get headers(): Record<string, string> {
        return { 'x-ms-public-api-error-code': this.errorCode };
    }

    toBody(context: { activityId: string }): { requestId: string; errorCode: string; message: string } {
        return { requestId: context.activityId, errorCode: this.errorCode, message: this.message };
    }
}

/** Fabric REST errors the emulator answers (codes chosen after the Fabric REST reference's error examples). */
export const fabricErrors = {
    unauthorized: (reason: string) => new FabricError(401, 'TokenExpired', `The access token was refused: ${reason}.`),
    workspaceNotFound: (workspaceId: string) =>
        new FabricError(404, 'WorkspaceNotFound', `The workspace ${workspaceId} was not found.`),
    insufficientPrivileges: () =>
        new FabricError(403, 'InsufficientPrivileges', 'The caller does not have a role in this workspace.'),
    itemNotFound: (itemId: string) =>
        new FabricError(404, 'EntityNotFound', `The requested item ${itemId} was not found.`),
};
