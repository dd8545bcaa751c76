import type { ColumnDefinition, CreateDatasetRequest } from '../schemas/requestSchemas';
import type { RefreshScript } from '../refresh/RefreshScript';
import type { CanonicalDataType } from '../push/parseDataType';

export type WorkspaceRole = 'Admin' | 'Member' | 'Contributor' | 'Viewer';

export type PrincipalType = 'App' | 'User' | 'Group';

/** A principal with a role: `principalId` is the object id of an App or Group, the oid or e-mail of a User. */
export interface WorkspaceMember {
    principalId: string;
    role: WorkspaceRole;
    /** Absent for members created before the Groups API existed: shown as App. */
    principalType?: PrincipalType;
    displayName?: string;
    emailAddress?: string;
}

export interface StoredWorkspace {
    id: string;
    name: string;
    members: WorkspaceMember[];
    /** Enhanced refresh needs Premium, PPU or Embedded capacity; "Shared" rejects it. */
    capacity: 'Premium' | 'Shared';
    /** Set for a user's My workspace (the `/v1.0/myorg/...` form without groups). */
    personalOwner?: string;
}

export interface StoredColumn extends ColumnDefinition {
    canonicalType: CanonicalDataType;
}

export interface StoredTable {
    name: string;
    columns: StoredColumn[];
    measures?: CreateDatasetRequest['tables'][number]['measures'];
    isHidden?: boolean;
    description?: string;
    /** Import models only: partition names (a table without partitions has one named after it). */
    partitions: string[];
    rows: Record<string, unknown>[];
}

export interface StoredRefresh {
    requestId: string;
    /** The int64 `id` seen in real history responses. */
    id: number;
    kind: 'enhanced' | 'standard';
    refreshType: 'ViaApi' | 'ViaEnhancedApi';
    acceptedAtMs: number;
    cancelledAtMs?: number;
    type: 'Full' | 'ClearValues' | 'Calculate' | 'DataOnly' | 'Automatic' | 'Defragment';
    commitMode: 'Transactional' | 'PartialBatch';
    maxParallelism: number;
    retryCount: number;
    objects: { table: string; partition?: string }[];
    applyRefreshPolicy: boolean;
    effectiveDate?: string;
    timeoutSeconds: number;
    script: RefreshScript;
    requestedBy: string;
}

export interface StoredDataset {
    id: string;
    name: string;
    workspaceId: string;
    kind: 'push' | 'import';
    defaultMode?: string;
    defaultRetentionPolicy: 'None' | 'basicFIFO';
    configuredBy: string;
    createdDate: string;
    tables: StoredTable[];
    relationships: NonNullable<CreateDatasetRequest['relationships']>;
    refreshScript: RefreshScript;
    queuedRefreshScripts: RefreshScript[];
    refreshes: StoredRefresh[];
}

export interface StoredState {
    version: 1;
    signingKey: string;
    nextRefreshNumber: number;
    workspaces: StoredWorkspace[];
    datasets: StoredDataset[];
}
