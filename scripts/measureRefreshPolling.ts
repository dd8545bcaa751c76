import { QueueClient } from '@azure/storage-queue';
import { defaultSystemAssignedPrincipalId, startEmulator } from '../emulator';
import { startAzurite } from '../local/startAzurite';
import { parseRelayConfig } from '../src/config/relayConfig';
import { loadSettings } from '../src/config/settings';
import { createPowerBiClient } from '../src/powerbi/powerBiClient';
import { fromQueueText } from '../src/queue/rowsMessage';
import { createRefreshDeps } from '../src/refresh/createRefreshDeps';
import { pollMessageSchema } from '../src/refresh/pollMessage';
import { pollRefresh } from '../src/refresh/pollRefresh';
import { startRefresh } from '../src/refresh/startRefresh';
import { createStorageClients } from '../src/storage/storageClients';
import { createDueOrderRefreshQueue, type DueTimes } from './dueOrderRefreshQueue';

/**
 * How many status calls the poller makes for refreshes of a given length, and how long after the real
 * end it records the outcome, with the default back-off (REFRESH_POLL_MIN_SECONDS 10, _MAX_SECONDS 300;
 * a first refresh waits at most max(60 s, 10 % of its running time) between checks).
 * Runs the relay's own start and poll functions against the emulator (frozen clock, moved to each
 * check's due time) and Azurite. Usage: npm run bench:refresh -- [seconds...]
 */
export interface PollingFigures {
    seconds: number;
    /** busiestHour: status calls in the busiest hour of the refresh. */
    first: { statusCalls: number; late: number; busiestHour: number };
    /** withinBound: every end seen within max(60 s, 10 % of its length). */
    sweep: { meanLate: number; maxLate: number; withinBound: boolean };
    usual: { statusCalls: number; late: number };
    longer: { statusCalls: number; late: number };
    shorter: { statusCalls: number; late: number };
}

export async function measureRefreshPolling(durations: number[]): Promise<PollingFigures[]> {
    const figures: PollingFigures[] = [];
    const emulator = await startEmulator({ frozenClock: true });
    const azurite = await startAzurite();
    try {
        const { id: workspaceId } = await emulator.createWorkspace({
            name: 'Polling measurement',
            members: [{ principalId: defaultSystemAssignedPrincipalId, role: 'Member' }],
        });
        let models = 0;
        const newTarget = async () => {
            models += 1;
            const name = `measured${models}`;
            const { id: datasetId } = await emulator.createModel({ workspaceId, name, tables: [{ name: 'Sales' }] });
            const settings = loadSettings({
                POWERBI_API_BASE_URL: `${emulator.url}/v1.0/myorg`,
                POWERBI_WORKSPACE_ID: workspaceId,
                AzureWebJobsStorage: azurite.connectionString,
                REFRESH_QUEUE: `measure-${models}`,
            });
            const config = parseRelayConfig(
                { refreshTargets: [{ name, datasetId, refresh: { timeout: '23:00:00' } }] },
                'measure',
            );
            // Emulated days pass in this run while @azure/identity caches tokens by real time, so every call
            // gets a token issued at the emulator's current time instead of going through the managed identity flow.
            const client = createPowerBiClient({
                baseUrl: settings.POWERBI_API_BASE_URL,
                credential: {
                    getToken: async () => {
                        const issued = await emulator.issueToken({ principalId: defaultSystemAssignedPrincipalId });
                        // Expired by real time at once, so the pipeline asks again for every call.
                        return { token: issued.access_token, expiresOnTimestamp: Date.now() };
                    },
                },
                scope: settings.POWERBI_SCOPE,
                timeoutMs: settings.POWERBI_TIMEOUT_MS,
            });
            const queue: QueueClient = createStorageClients(settings).queueService.getQueueClient(
                settings.REFRESH_QUEUE,
            );
            const now = () => emulator.clock.now();
            const dueTimes: DueTimes = new Map();
            const deps = {
                ...createRefreshDeps(settings, config.refreshTargets, createStorageClients(settings), client, {
                    now,
                    sleep: async (s) => void emulator.clock.advance({ seconds: s }),
                }),
                queue: createDueOrderRefreshQueue(queue, now, dueTimes),
            };
            /** One refresh of `seconds`, followed to its end: status calls and how late the end was recorded. */
            return async (seconds: number) => {
                await emulator.setRefreshScript(datasetId, { durationSeconds: seconds });
                await emulator.clearRequests();
                const started = await startRefresh({ target: name, requestedBy: 'timer' }, deps);
                if (started.kind !== 'started') throw new Error(`refresh not started: ${started.kind}`);
                let record = started.record;
                for (;;) {
                    const [item] = (await queue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
                    if (!item) break;
                    const message = pollMessageSchema.parse(fromQueueText(item.messageText));
                    const due = dueTimes.get(item.messageId) ?? 0;
                    emulator.clock.set(new Date(Math.max(due, emulator.clock.now().getTime())));
                    const outcome = await pollRefresh(message, deps);
                    await queue.deleteMessage(item.messageId, item.popReceipt);
                    if (outcome.kind === 'recorded') record = outcome.record;
                }
                if (record.status !== 'Completed')
                    throw new Error(`refresh ended ${record.status}: ${JSON.stringify(record)}`);
                emulator.clock.advance({ minutes: 5 });
                const calls = (await emulator.requests())
                    .filter((r) => r.method === 'GET' && /\/refreshes\/[^/?]+$/.test(r.path))
                    .map((r) => Date.parse(r.time));
                return {
                    statusCalls: calls.length,
                    late: (Date.parse(record.recordedAt ?? '') - Date.parse(record.endTime ?? '')) / 1000,
                    busiestHour: busiestHour(calls),
                };
            };
        };

        for (const seconds of durations) {
            const first = await (await newTarget())(seconds);
            const sweep: number[] = [];
            let withinBound = true;
            for (let step = 0; step < 20; step += 1) {
                // Steps of L/19 keep the lengths off the back-off grid.
                const length = Math.round(seconds * (0.5 + step / 19));
                const { late } = await (await newTarget())(length);
                sweep.push(late);
                withinBound &&= late <= Math.max(60, 0.1 * length);
            }
            const routine = await newTarget();
            for (let i = 0; i < 3; i += 1) await routine(seconds);
            const usual = await routine(seconds);
            const longer = await routine(Math.round(seconds * 1.1));
            const shorter = await routine(Math.round(seconds * 0.9));
            const meanLate = Math.round(sweep.reduce((a, b) => a + b, 0) / sweep.length);
            figures.push({
                seconds,
                first,
                sweep: { meanLate, maxLate: Math.max(...sweep), withinBound },
                usual,
                longer,
                shorter,
            });
        }
    } finally {
        await emulator.close();
        await azurite.stop();
    }
    return figures;
}

async function main(): Promise<void> {
    const durations = process.argv
        .slice(2)
        .map(Number)
        .filter((n) => n > 0);
    console.log(
        '| refresh length | first refresh of a target: status calls (busiest hour), end seen after | 20 first refreshes of 0.5 L to 1.5 L: end seen after (mean / max; all within max(60 s, 10 %)?) | routine refresh (3 earlier runs of L) as long as usual: calls, late | 10 % longer: calls, late | 10 % shorter: calls, late |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const row of await measureRefreshPolling(durations.length > 0 ? durations : [60, 3600])) {
        const { seconds, first, sweep, usual, longer, shorter } = row;
        console.log(
            `| ${formatSeconds(seconds)} | ${first.statusCalls} (${first.busiestHour}), ${formatSeconds(first.late)} | ${formatSeconds(sweep.meanLate)} / ${formatSeconds(sweep.maxLate)}; ${sweep.withinBound ? 'yes' : 'no'} | ${usual.statusCalls}, ${formatSeconds(usual.late)} | ${longer.statusCalls}, ${formatSeconds(longer.late)} | ${shorter.statusCalls}, ${formatSeconds(shorter.late)} |`,
        );
    }
}

/** The most calls (epoch ms) in any 3600-second window. */
function busiestHour(calls: number[]): number {
    let most = 0;
    for (let first = 0, last = 0; last < calls.length; last += 1) {
        while (calls[last]! - calls[first]! >= 3_600_000) first += 1;
        most = Math.max(most, last - first + 1);
    }
    return most;
}

function formatSeconds(seconds: number): string {
    if (seconds >= 3600) return `${(seconds / 3600).toFixed(seconds % 3600 === 0 ? 0 : 2)} h`;
    if (seconds >= 60) return `${(seconds / 60).toFixed(seconds % 60 === 0 ? 0 : 1)} min`;
    return `${seconds} s`;
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error(error);
        process.exitCode = 1;
    });
}
