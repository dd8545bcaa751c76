import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { EventhouseClient } from './eventhouseClient';
import { isEventhouseError } from './eventhouseFailure';
import {
    planEventhouseSetup,
    type DesiredEventhouseSetup,
    type EventhouseSetupPlan,
    type SetupItem,
} from './planEventhouseSetup';
import { readEventhouseSetupState, toRecords } from './readEventhouseSetupState';

export interface ApplyEventhouseSetupOptions {
    /** Plan only: read the state and report the commands without running them. */
    dryRun?: boolean;
    /** Each item once it is known to be in place, planned, run, or blocked. */
    onItem?: (item: SetupItem, result: SetupItemResult) => void;
    /** Between polls of an async command's operation; default 5 s. */
    pollIntervalMs?: number;
    /** How long an async command's operation may run (a backfill of a large table takes long); default 15 minutes. */
    operationTimeoutMs?: number;
    sleep?: (ms: number) => Promise<void>;
}

export type SetupItemResult = 'ok' | 'planned' | 'applied' | 'blocked' | 'failed';

export type EventhouseSetupReport =
    | { outcome: 'done'; plan: EventhouseSetupPlan; applied: SetupItem[] }
    | { outcome: 'planned'; plan: EventhouseSetupPlan }
    /** Conflicts or unreadable state: nothing was run. */
    | { outcome: 'blocked'; plan: EventhouseSetupPlan; problems: string[] }
    /** A command failed; the ones before it ran. */
    | { outcome: 'failed'; plan: EventhouseSetupPlan; applied: SetupItem[]; problems: string[] };

const operationRowsSchema = z.array(z.looseObject({ OperationId: z.string() })).length(1);
const operationStateSchema = z.array(z.looseObject({ State: z.string(), Status: z.string().nullish() })).max(1);

/**
 * Reads the database's state, plans (planEventhouseSetup) and runs the commands still needed, one at a time, waiting
 * for each async one's operation (`.show operations <id>`). Runs nothing when any item is a conflict or unreadable,
 * so a setup either moves forward or says why it cannot. A second run finds everything in place.
 */
export async function applyEventhouseSetup(
    client: Pick<EventhouseClient, 'management'>,
    desired: DesiredEventhouseSetup,
    options: ApplyEventhouseSetupOptions = {},
): Promise<EventhouseSetupReport> {
    const report = (item: SetupItem, result: SetupItemResult) => options.onItem?.(item, result);
    const state = await readEventhouseSetupState(
        client,
        desired.database,
        desired.tables.map((table) => table.table.name),
    );
    const plan = planEventhouseSetup(state, desired);
    const problems = plan.items.flatMap((item) =>
        item.outcome.kind === 'conflict' || item.outcome.kind === 'unreadable'
            ? [`${item.subject}: ${item.outcome.message}`]
            : [],
    );
    if (problems.length > 0) {
        for (const item of plan.items) report(item, item.outcome.kind === 'ok' ? 'ok' : 'blocked');
        return { outcome: 'blocked', plan, problems };
    }
    if (options.dryRun) {
        for (const item of plan.items) report(item, item.outcome.kind === 'ok' ? 'ok' : 'planned');
        return { outcome: 'planned', plan };
    }
    const applied: SetupItem[] = [];
    for (const item of plan.items) {
        if (item.outcome.kind !== 'step') {
            report(item, 'ok');
            continue;
        }
        try {
            const result = await client.management(desired.database, item.outcome.command);
            if (item.outcome.async) {
                // One row: the answer parsed length(1).
                const [operation] = toRecords(result, operationRowsSchema, item.outcome.command);
                await awaitOperation(client, desired.database, operation!.OperationId, options);
            }
        } catch (error) {
            report(item, 'failed');
            return {
                outcome: 'failed',
                plan,
                applied,
                problems: [`${item.subject}: could not ${item.outcome.change}: ${describeSetupError(error, desired)}`],
            };
        }
        applied.push(item);
        report(item, 'applied');
    }
    return { outcome: 'done', plan, applied };
}

async function awaitOperation(
    client: Pick<EventhouseClient, 'management'>,
    database: string,
    operationId: string,
    options: ApplyEventhouseSetupOptions,
): Promise<void> {
    const sleep = options.sleep ?? ((ms: number) => delay(ms));
    const interval = options.pollIntervalMs ?? 5_000;
    const polls = Math.max(1, Math.ceil((options.operationTimeoutMs ?? 15 * 60_000) / interval));
    const command = `.show operations ${operationId}`;
    for (let poll = 0; poll < polls; poll += 1) {
        const [operation] = toRecords(await client.management(database, command), operationStateSchema, command);
        if (operation?.State === 'Completed') return;
        // Listed but not yet (or no longer) running: InProgress and Scheduled are the states still on their way.
        if (operation && !['InProgress', 'Scheduled'].includes(operation.State)) {
            throw new Error(
                `operation ${operationId} ended ${operation.State}${operation.Status ? `: ${operation.Status}` : ''}`,
            );
        }
        await sleep(interval);
    }
    throw new Error(`operation ${operationId} is still running; follow it with \`${command}\` and run the setup again`);
}

/** What a failed command means for the person running the setup. */
export function describeSetupError(error: unknown, desired: Pick<DesiredEventhouseSetup, 'database'>): string {
    if (!isEventhouseError(error)) return (error as Error)?.message ?? String(error);
    const { failure } = error;
    const activity = 'activityId' in failure && failure.activityId ? ` (activity id ${failure.activityId})` : '';
    switch (failure.kind) {
        case 'unauthorized':
            return failure.status === 403
                ? `${failure.message}${activity}. The signed-in user needs the Admin role on database '${desired.database}': ` +
                      'be Admin, Member or Contributor of the Fabric workspace that holds the Eventhouse, or a database admin ' +
                      `(.add database ['${desired.database}'] admins ('aaduser=<you>'))`
                : `${failure.message}${activity}. The token was refused: sign in again (az login) in the tenant of the Eventhouse`;
        case 'notFound':
            return `${failure.message}${activity}. Check the query service URI and that database '${desired.database}' exists in the Eventhouse`;
        case 'throttled':
            return `${failure.message}${activity}. The Eventhouse is throttling; run the setup again in a minute`;
        case 'outcomeUnknown':
            return `${failure.message}. The command may or may not have run; run the setup again (it picks up where it stopped)`;
        case 'transient':
        case 'permanent':
            return `${failure.message}${failure.code ? ` [${failure.code}]` : ''}${activity}`;
    }
}
