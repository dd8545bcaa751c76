import { z } from 'zod';
import {
    engineMessageSchema,
    refreshAttemptSchema,
    refreshObjectStatusSchema,
    type EngineMessage,
    type RefreshAttempt,
    type RefreshObjectStatus,
} from '../powerbi/refreshSchemas';

/** What the relay records as a refresh's outcome; `Starting` and `Running` are the only non-terminal ones. */
export const refreshStatuses = [
    'Starting',
    'Running',
    'Completed',
    'Failed',
    'Cancelled',
    'TimedOut',
    'Dropped',
    'Disabled',
    /** Not started: an upstream target of a chain (`after`) did not complete. */
    'Blocked',
] as const;
export type RefreshStatus = (typeof refreshStatuses)[number];
export type TerminalStatus = Exclude<RefreshStatus, 'Starting' | 'Running'>;

export function isTerminal(status: RefreshStatus): status is TerminalStatus {
    return status !== 'Starting' && status !== 'Running';
}

/**
 * timer/manual/chain (its upstream targets completed): the relay started it; attached: the service was
 * already running one and the relay follows it.
 */
export const refreshTriggers = ['timer', 'manual', 'chain', 'attached'] as const;
export const requesters = ['timer', 'manual', 'chain'] as const;
export type Requester = (typeof requesters)[number];
export type RefreshTrigger = (typeof refreshTriggers)[number];

const jsonText = <T extends z.ZodType>(schema: T) =>
    z
        .string()
        .optional()
        .transform((text, ctx): z.output<T> | undefined => {
            if (text === undefined || text === '') return undefined;
            try {
                return schema.parse(JSON.parse(text));
            } catch {
                ctx.addIssue({ code: 'custom', message: 'not the JSON the relay writes' });
                return z.NEVER;
            }
        });

// Stored as the service sent them: the same schemas read them back.
const engineMessages = z.array(engineMessageSchema);
const objectStatuses = z.array(refreshObjectStatusSchema);
const attempts = z.array(refreshAttemptSchema);
const optionalText = z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value));
const optionalNumber = z.number().optional();

/**
 * One refresh as stored in Table storage (REFRESH_TABLE): PartitionKey = target name, RowKey = inverted
 * request time, so "the latest N refreshes of a target" is one range read in key order. Nested values are
 * JSON text because Table storage has no nested properties.
 */
export const refreshEntitySchema = z.looseObject({
    partitionKey: z.string(),
    rowKey: z.string(),
    etag: z.string().optional(),
    workspaceId: z.string(),
    datasetId: optionalText,
    trigger: z.enum(refreshTriggers),
    requestedBy: z.enum(requesters),
    requestId: optionalText,
    status: z.enum(refreshStatuses),
    serviceStatus: optionalText,
    extendedStatus: optionalText,
    refreshType: optionalText,
    requestedAt: z.string(),
    deadline: z.string(),
    startTime: optionalText,
    endTime: optionalText,
    durationSeconds: optionalNumber,
    numberOfAttempts: optionalNumber,
    expectedSeconds: optionalNumber,
    startAttempts: z.number().default(0),
    polls: z.number().default(0),
    lastPolledAt: optionalText,
    optionsJson: jsonText(z.record(z.string(), z.unknown())),
    objectsJson: jsonText(objectStatuses),
    messagesJson: jsonText(engineMessages),
    refreshAttemptsJson: jsonText(attempts),
    serviceExceptionJson: optionalText,
    errorStatus: optionalNumber,
    errorCode: optionalText,
    errorMessage: optionalText,
    restartOf: optionalText,
    restartedAs: optionalText,
    slot: optionalText,
    upstream: optionalText,
    slowAlertedAt: optionalText,
    recordedAt: optionalText,
});

export type RefreshEntityInput = z.input<typeof refreshEntitySchema>;

export interface RefreshRecord {
    /** The relay's tracking id: `<target>~<rowKey>`, readable with GET /api/refreshes/{id}. */
    id: string;
    target: string;
    rowKey: string;
    workspaceId: string;
    datasetId?: string;
    trigger: RefreshTrigger;
    requestedBy: Requester;
    /** Power BI's refresh id (x-ms-request-id of the start). */
    requestId?: string;
    status: RefreshStatus;
    serviceStatus?: string;
    extendedStatus?: string;
    refreshType?: string;
    requestedAt: string;
    deadline: string;
    startTime?: string;
    endTime?: string;
    durationSeconds?: number;
    numberOfAttempts?: number;
    /** How long this target's recent refreshes took (median), which the poller uses to time its checks. */
    expectedSeconds?: number;
    /** POST requests the start needed (throttling and transient errors are retried). */
    startAttempts: number;
    /** Status calls made by the poller. */
    polls: number;
    lastPolledAt?: string;
    options?: Record<string, unknown>;
    objects?: RefreshObjectStatus[];
    messages?: EngineMessage[];
    refreshAttempts?: RefreshAttempt[];
    serviceExceptionJson?: string;
    error?: { status?: number; code?: string; message: string };
    restartOf?: string;
    restartedAs?: string;
    /** The schedule slot a timer start was for (ISO instant). */
    slot?: string;
    /** Tracking ids of the upstream refreshes that started (or blocked) a chained target, comma-separated. */
    upstream?: string;
    /** When the relay alerted that this refresh runs longer than usual (slowAlertFactor), once. */
    slowAlertedAt?: string;
    recordedAt?: string;
}

/** Table storage caps a string property at 64 KiB (32K UTF-16 characters); keep the longest prefix of a list that fits. */
const maxJsonChars = 30_000;

function toJsonText(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return JSON.stringify(value);
    let items = value;
    let text = JSON.stringify(items);
    while (text.length > maxJsonChars && items.length > 0) {
        items = items.slice(0, Math.floor(items.length / 2));
        text = JSON.stringify(items);
    }
    return text;
}

const truncate = (text: string | undefined, max = maxJsonChars) =>
    text === undefined ? undefined : text.slice(0, max);

export const refreshIdSeparator = '~';

export function toRefreshEntity(
    record: RefreshRecord,
): Record<string, unknown> & { partitionKey: string; rowKey: string } {
    const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
        partitionKey: record.target,
        rowKey: record.rowKey,
        workspaceId: record.workspaceId,
        datasetId: record.datasetId,
        trigger: record.trigger,
        requestedBy: record.requestedBy,
        requestId: record.requestId,
        status: record.status,
        serviceStatus: record.serviceStatus,
        extendedStatus: record.extendedStatus,
        refreshType: record.refreshType,
        requestedAt: record.requestedAt,
        deadline: record.deadline,
        startTime: record.startTime,
        endTime: record.endTime,
        durationSeconds: record.durationSeconds,
        numberOfAttempts: record.numberOfAttempts,
        expectedSeconds: record.expectedSeconds,
        startAttempts: record.startAttempts,
        polls: record.polls,
        lastPolledAt: record.lastPolledAt,
        optionsJson: toJsonText(record.options),
        objectsJson: toJsonText(record.objects),
        messagesJson: toJsonText(record.messages),
        refreshAttemptsJson: toJsonText(record.refreshAttempts),
        serviceExceptionJson: truncate(record.serviceExceptionJson),
        errorStatus: record.error?.status,
        errorCode: record.error?.code,
        errorMessage: truncate(record.error?.message, 8_000),
        restartOf: record.restartOf,
        restartedAs: record.restartedAs,
        slot: record.slot,
        upstream: record.upstream,
        slowAlertedAt: record.slowAlertedAt,
        recordedAt: record.recordedAt,
    };
    // Table storage cannot store undefined; leaving the property out is what "absent" means there.
    for (const key of Object.keys(entity)) if (entity[key] === undefined) delete entity[key];
    return entity;
}

export function fromRefreshEntity(entity: unknown): RefreshRecord {
    const e = refreshEntitySchema.parse(entity);
    const record: RefreshRecord = {
        id: `${e.partitionKey}${refreshIdSeparator}${e.rowKey}`,
        target: e.partitionKey,
        rowKey: e.rowKey,
        workspaceId: e.workspaceId,
        datasetId: e.datasetId,
        trigger: e.trigger,
        requestedBy: e.requestedBy,
        requestId: e.requestId,
        status: e.status,
        serviceStatus: e.serviceStatus,
        extendedStatus: e.extendedStatus,
        refreshType: e.refreshType,
        requestedAt: e.requestedAt,
        deadline: e.deadline,
        startTime: e.startTime,
        endTime: e.endTime,
        durationSeconds: e.durationSeconds,
        numberOfAttempts: e.numberOfAttempts,
        expectedSeconds: e.expectedSeconds,
        startAttempts: e.startAttempts,
        polls: e.polls,
        lastPolledAt: e.lastPolledAt,
        options: e.optionsJson,
        objects: e.objectsJson,
        messages: e.messagesJson,
        refreshAttempts: e.refreshAttemptsJson,
        serviceExceptionJson: e.serviceExceptionJson,
        error:
            e.errorMessage === undefined
                ? undefined
                : { status: e.errorStatus, code: e.errorCode, message: e.errorMessage },
        restartOf: e.restartOf,
        restartedAs: e.restartedAs,
        slot: e.slot,
        upstream: e.upstream,
        slowAlertedAt: e.slowAlertedAt,
        recordedAt: e.recordedAt,
    };
    for (const key of Object.keys(record) as (keyof RefreshRecord)[]) if (record[key] === undefined) delete record[key];
    return record;
}
