import { randomUUID } from 'node:crypto';
import { issueAccessToken, powerBiAudience } from '../auth/accessToken';
import type { EmulatorRuntime } from '../EmulatorRuntime';
import { powerBiErrors } from '../errors/powerBiErrors';
import type { Fault, FaultInput } from '../faults/FaultInjector';
import { faultSchema } from '../faults/FaultInjector';
import { buildPushDataset } from '../handlers/pushDatasetHandlers';
import { toBadRequest } from '../http/toBadRequest';
import { limitsOverrideSchema, limitsSchema, type Limits, type LimitsOverride } from '../limits/Limits';
import { defaultRefreshScript, refreshScriptSchema, type RefreshScriptInput } from '../refresh/RefreshScript';
import { refreshStateAt } from '../refresh/refreshTimeline';
import { toRefreshHistoryEntry } from '../refresh/toRefreshHistoryEntry';
import type { RequestLogEntry } from '../RequestLogEntry';
import type { StoredDataset } from '../state/StoredEntities';
import {
    clockInputSchema,
    modelInputSchema,
    pushDatasetInputSchema,
    seedSchema,
    tokenInputSchema,
    workspaceInputSchema,
    type ClockInput,
    type ModelInput,
    type PushDatasetInput,
    type Seed,
    type TokenInput,
    type WorkspaceInput,
} from './controlSchemas';
import type { z } from 'zod';

export interface ClockState {
    now: string;
    timeScale: number;
    frozen: boolean;
}

export interface IssuedToken {
    access_token: string;
    token_type: 'Bearer';
    /** Emulated expiry, epoch seconds. */
    expires_on: number;
    resource: string;
}

function parse<S extends z.ZodType>(schema: S, input: unknown, target: string): z.output<S> {
    const result = schema.safeParse(input);
    if (!result.success) {
        const error = toBadRequest(result.error, target);
        throw powerBiErrors.controlBadRequest(`Invalid ${target}`, error.details);
    }
    return result.data;
}

/**
 * The operations behind /_emulator/*, shared by the HTTP control API and the programmatic helpers
 * of `startEmulator`, so both always behave the same.
 */
export class EmulatorControl {
    constructor(private readonly runtime: EmulatorRuntime) {}

    /** Back to empty: no workspaces, datasets, faults or request log; rate windows forgotten. */
    reset(): void {
        this.runtime.store.reset();
        this.runtime.faults.reset();
        this.runtime.throttle.forget();
        this.runtime.requestLog.length = 0;
    }

    createWorkspace(input: WorkspaceInput): { id: string } {
        const parsed = parse(workspaceInputSchema, input, 'workspace');
        const id = (parsed.id ?? randomUUID()).toLowerCase();
        if (this.runtime.store.workspace(id)) throw powerBiErrors.controlConflict(`Workspace ${id} already exists`);
        this.runtime.store.addWorkspace({
            id,
            name: parsed.name,
            members: parsed.members.map((member) => ({
                principalId: member.principalId.toLowerCase(),
                role: member.role,
                ...(member.principalType ? { principalType: member.principalType } : {}),
                ...(member.displayName ? { displayName: member.displayName } : {}),
            })),
            capacity: parsed.capacity,
        });
        return { id };
    }

    workspaces() {
        return this.runtime.store.state.workspaces.map((workspace) => ({
            ...workspace,
            members: [...workspace.members],
        }));
    }

    /** A refreshable (import) model; tables without partitions get one partition named after the table. */
    createModel(input: ModelInput): { id: string } {
        const parsed = parse(modelInputSchema, input, 'model');
        const workspace = this.runtime.store.workspace(parsed.workspaceId);
        if (!workspace) throw powerBiErrors.controlNotFound(`Workspace ${parsed.workspaceId} does not exist`);
        const id = (parsed.id ?? randomUUID()).toLowerCase();
        if (this.runtime.store.datasetById(id)) throw powerBiErrors.controlConflict(`Dataset ${id} already exists`);
        this.runtime.store.addDataset({
            id,
            name: parsed.name,
            workspaceId: workspace.id,
            kind: 'import',
            defaultRetentionPolicy: 'None',
            configuredBy: 'emulator',
            createdDate: this.runtime.clock.now().toISOString(),
            tables: parsed.tables.map((table) => ({
                name: table.name,
                columns: [],
                partitions: table.partitions && table.partitions.length > 0 ? table.partitions : [table.name],
                rows: [],
            })),
            relationships: [],
            refreshScript: parsed.refreshScript ?? defaultRefreshScript,
            queuedRefreshScripts: [],
            refreshes: [],
        });
        return { id };
    }

    /** A push dataset created directly (as if by POST .../datasets, with the same validation). */
    createPushDataset(input: PushDatasetInput): { id: string } {
        const parsed = parse(pushDatasetInputSchema, input, 'pushDataset');
        const workspace = this.runtime.store.workspace(parsed.workspaceId);
        if (!workspace) throw powerBiErrors.controlNotFound(`Workspace ${parsed.workspaceId} does not exist`);
        if (parsed.id && this.runtime.store.datasetById(parsed.id))
            throw powerBiErrors.controlConflict(`Dataset ${parsed.id} already exists`);
        const dataset = buildPushDataset(
            this.runtime,
            parsed.dataset,
            parsed.defaultRetentionPolicy,
            workspace.id,
            parsed.configuredBy ?? 'emulator',
            parsed.id,
        );
        this.runtime.store.addDataset(dataset);
        return { id: dataset.id };
    }

    /** Every later refresh of the model follows this script (unless one is queued). */
    setRefreshScript(modelId: string, script: RefreshScriptInput): void {
        const model = this.model(modelId);
        model.refreshScript = parse(refreshScriptSchema, script, 'refreshScript');
        this.runtime.store.changed();
    }

    /** The next refresh (one per queued script, first in first out) follows this script. */
    queueRefreshScript(modelId: string, script: RefreshScriptInput): { queued: number } {
        const model = this.model(modelId);
        model.queuedRefreshScripts.push(parse(refreshScriptSchema, script, 'refreshScript'));
        this.runtime.store.changed();
        return { queued: model.queuedRefreshScripts.length };
    }

    /** Every dataset with its workspace, kind, tables, row counts, rows (unless includeRows is false) and refreshes. */
    datasets(options: { includeRows?: boolean } = {}) {
        const includeRows = options.includeRows ?? true;
        const now = this.runtime.clock.nowMs();
        return this.runtime.store.state.datasets.map((dataset) => {
            const workspace = this.runtime.store.workspace(dataset.workspaceId);
            return {
                id: dataset.id,
                name: dataset.name,
                workspaceId: dataset.workspaceId,
                workspaceName: workspace?.name ?? '',
                kind: dataset.kind,
                ...(dataset.kind === 'push'
                    ? { defaultRetentionPolicy: dataset.defaultRetentionPolicy, defaultMode: dataset.defaultMode }
                    : {}),
                tables: dataset.tables.map((table) => ({
                    name: table.name,
                    ...(dataset.kind === 'push'
                        ? {
                              columns: table.columns.map((column) => ({
                                  name: column.name,
                                  dataType: column.canonicalType,
                              })),
                          }
                        : { partitions: [...table.partitions] }),
                    rowCount: table.rows.length,
                    ...(includeRows ? { rows: table.rows.map((row) => ({ ...row })) } : {}),
                })),
                refreshes: dataset.refreshes.map((refresh) => ({
                    ...toRefreshHistoryEntry(
                        refresh,
                        refreshStateAt(refresh, now, this.runtime.limits.maxRefreshTotalSeconds),
                    ),
                    kind: refresh.kind,
                    dropped: refresh.script.dropped,
                })),
            };
        });
    }

    requests(): RequestLogEntry[] {
        return this.runtime.requestLog.map((entry) => ({ ...entry }));
    }

    clearRequests(): void {
        this.runtime.requestLog.length = 0;
    }

    injectFault(input: FaultInput): Fault {
        const parsed = parse(faultSchema, input, 'fault');
        try {
            return this.runtime.faults.add(parsed);
        } catch (error) {
            throw powerBiErrors.controlBadRequest((error as Error).message);
        }
    }

    faults(): Fault[] {
        return this.runtime.faults.list();
    }

    clearFaults(): void {
        this.runtime.faults.clear();
    }

    clockState(): ClockState {
        const { clock } = this.runtime;
        return { now: clock.now().toISOString(), timeScale: clock.timeScale, frozen: clock.frozen };
    }

    /** Applies, in order: timeScale, frozen, set, advance. */
    updateClock(input: ClockInput): ClockState {
        const parsed = parse(clockInputSchema, input, 'clock');
        const { clock } = this.runtime;
        if (parsed.timeScale !== undefined) clock.setTimeScale(parsed.timeScale);
        if (parsed.frozen === true) clock.freeze();
        if (parsed.frozen === false) clock.resume();
        if (parsed.set !== undefined) clock.set(new Date(parsed.set));
        const advance = (parsed.advanceSeconds ?? 0) * 1000 + (parsed.advanceMs ?? 0);
        if (advance > 0) clock.advance(advance);
        return this.clockState();
    }

    /** Signs a token directly: a user (for My workspace), a short-lived or expired token, or a foreign audience. */
    issueToken(input: TokenInput): IssuedToken {
        const parsed = parse(tokenInputSchema, input, 'token');
        const audience = parsed.audience ?? powerBiAudience;
        const { token, claims } = issueAccessToken(
            {
                principalId: parsed.principalId.toLowerCase(),
                kind: parsed.kind,
                audience,
                lifetimeSeconds: parsed.expiresInSeconds ?? this.runtime.identity.tokenLifetimeSeconds,
                nowMs: this.runtime.clock.nowMs(),
                ...(parsed.clientId ? { clientId: parsed.clientId } : {}),
            },
            this.runtime.store.state.signingKey,
        );
        return { access_token: token, token_type: 'Bearer', expires_on: claims.exp, resource: audience };
    }

    limits(): Limits {
        return { ...this.runtime.limits };
    }

    updateLimits(input: LimitsOverride): Limits {
        const parsed = parse(limitsOverrideSchema, input, 'limits');
        this.runtime.limits = limitsSchema.parse({ ...this.runtime.limits, ...parsed });
        return this.limits();
    }

    /** Applies a seed (same content as a seed file): workspaces, then models, then push datasets. */
    applySeed(input: Seed): { workspaces: string[]; models: string[]; pushDatasets: string[] } {
        const seed = parse(seedSchema, input, 'seed');
        return {
            workspaces: seed.workspaces.map((workspace) => this.createWorkspace(workspace).id),
            models: seed.models.map((model) => this.createModel(model).id),
            pushDatasets: seed.pushDatasets.map((dataset) => this.createPushDataset(dataset).id),
        };
    }

    private model(modelId: string): StoredDataset {
        const dataset = this.runtime.store.datasetById(modelId);
        if (!dataset) throw powerBiErrors.controlNotFound(`Dataset ${modelId} does not exist`);
        if (dataset.kind !== 'import')
            throw powerBiErrors.controlBadRequest(`Dataset ${modelId} is a push dataset; only import models refresh`);
        return dataset;
    }
}
