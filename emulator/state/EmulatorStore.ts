import { randomBytes } from 'node:crypto';
import type { StoredDataset, StoredState, StoredWorkspace } from './StoredEntities';

/**
 * The emulator's state: workspaces, datasets (push and import), their rows and refreshes.
 * Handlers read and mutate it; `changed()` tells the persistence layer (if any) to save.
 */
export class EmulatorStore {
    state: StoredState;
    private readonly listeners: (() => void)[] = [];

    constructor(initial?: StoredState) {
        this.state = initial ?? EmulatorStore.emptyState();
    }

    static emptyState(signingKey = randomBytes(32).toString('base64url')): StoredState {
        return { version: 1, signingKey, nextRefreshNumber: 1, workspaces: [], datasets: [] };
    }

    /** Back to empty, keeping the signing key so tokens already handed out stay verifiable. */
    reset(): void {
        this.state = EmulatorStore.emptyState(this.state.signingKey);
        this.changed();
    }

    onChange(listener: () => void): void {
        this.listeners.push(listener);
    }

    changed(): void {
        for (const listener of this.listeners) listener();
    }

    workspace(id: string): StoredWorkspace | undefined {
        const wanted = id.toLowerCase();
        return this.state.workspaces.find((workspace) => workspace.id === wanted);
    }

    /** A user's My workspace, created on first use. */
    personalWorkspace(principalId: string): StoredWorkspace {
        const existing = this.state.workspaces.find((workspace) => workspace.personalOwner === principalId);
        if (existing) return existing;
        const workspace: StoredWorkspace = {
            id: `me-${principalId.toLowerCase()}`,
            name: 'My workspace',
            members: [{ principalId, role: 'Admin' }],
            capacity: 'Shared',
            personalOwner: principalId,
        };
        this.state.workspaces.push(workspace);
        this.changed();
        return workspace;
    }

    addWorkspace(workspace: StoredWorkspace): void {
        this.state.workspaces.push(workspace);
        this.changed();
    }

    datasetsIn(workspaceId: string): StoredDataset[] {
        return this.state.datasets.filter((dataset) => dataset.workspaceId === workspaceId);
    }

    dataset(workspaceId: string, datasetId: string): StoredDataset | undefined {
        const wanted = datasetId.toLowerCase();
        return this.state.datasets.find((dataset) => dataset.workspaceId === workspaceId && dataset.id === wanted);
    }

    datasetById(datasetId: string): StoredDataset | undefined {
        const wanted = datasetId.toLowerCase();
        return this.state.datasets.find((dataset) => dataset.id === wanted);
    }

    addDataset(dataset: StoredDataset): void {
        this.state.datasets.push(dataset);
        this.changed();
    }

    removeDataset(datasetId: string): void {
        this.state.datasets = this.state.datasets.filter((dataset) => dataset.id !== datasetId);
        this.changed();
    }

    nextRefreshNumber(): number {
        return this.state.nextRefreshNumber++;
    }
}
