import type { PowerBiResult } from '../powerbi/powerBiClient';
import type { WorkspaceListing } from '../powerbi/schemas';

/** The principal whose access the doctor checks: the token's own, or the managed identity named on the command line. */
export interface Subject {
    /** Object id, used in the `az ad group member add` and grant commands. */
    principalId: string;
    /** Every id the workspace user list may show for it (object id, client id, sign-in name), lower case. */
    ids: string[];
    /** True when the token is the subject's own, so GET /groups answers for it. */
    ownToken: boolean;
}

/** GET /groups as the token's principal, shared by the workspace checks. */
export type WorkspaceListingResult = PowerBiResult<WorkspaceListing[]>;
