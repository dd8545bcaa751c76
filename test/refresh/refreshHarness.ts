import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QueueClient } from '@azure/storage-queue';
import {
    defaultSystemAssignedPrincipalId,
    startEmulator,
    type RefreshScriptInput,
    type RunningEmulator,
} from '../../emulator';
import { parseRelayConfig } from '../../src/config/relayConfig';
import type { RefreshTarget } from '../../src/config/refreshTargetSchema';
import { loadSettings, type Settings } from '../../src/config/settings';
import { createPowerBiClient, type PowerBiClient } from '../../src/powerbi/powerBiClient';
import { createPowerBiCredential } from '../../src/powerbi/powerBiCredential';
import { fromQueueText } from '../../src/queue/rowsMessage';
import { createRefreshDeps } from '../../src/refresh/createRefreshDeps';
import { deliverAlert, type AlertDelivery } from '../../src/refresh/deliverAlert';
import { pollRefresh, type PollOutcome } from '../../src/refresh/pollRefresh';
import type { PollMessage } from '../../src/refresh/pollMessage';
import { refreshQueueMessageSchema } from '../../src/refresh/refreshQueueMessage';
import type { RefreshDeps } from '../../src/refresh/refreshDeps';
import { restartDroppedRefresh, type RestartOutcome } from '../../src/refresh/restartDroppedRefresh';
import { createStorageClients } from '../../src/storage/storageClients';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { createDueOrderRefreshQueue, type DueTimes } from '../../scripts/dueOrderRefreshQueue';

export interface Webhook {
    url: string;
    posts: Record<string, unknown>[];
    /** Answer the next posts with this status (default 200). */
    status: number;
    /** Answer this many of the next posts with 503, then `status` again. */
    failNext: number;
}

export interface RelayUnderTest {
    settings: Settings;
    /** The relay as one process sees it; `restart()` makes a new one (new clients, no memory) on the same storage. */
    deps: RefreshDeps;
    restart(): RefreshDeps;
    /** A Power BI client of its own, for what another party does to the models. */
    client: PowerBiClient;
    queue: QueueClient;
    /**
     * Receives the due checks one at a time in due order, moving the emulator's clock to each;
     * alerts and restarts due before a check are handled on the way (into `deliveries` and `restarts`).
     */
    receiveCheck(): Promise<{ message: PollMessage; delete(): Promise<void>; release(): Promise<void> } | undefined>;
    /** Runs checks until the queue is empty (or `maxChecks`); returns every outcome. */
    drain(options?: { maxChecks?: number; deps?: RefreshDeps }): Promise<PollOutcome[]>;
    /** Every alert delivery attempt made on the way. */
    deliveries: AlertDelivery[];
    /** Every restart of a dropped refresh made on the way. */
    restarts: RestartOutcome[];
}

export interface RefreshHarness {
    emulator: RunningEmulator;
    azurite: RunningAzurite;
    workspaceId: string;
    webhook: Webhook;
    createModel(name: string, script?: RefreshScriptInput): Promise<string>;
    relay(targets: unknown[], env?: Record<string, string>): RelayUnderTest;
    stop(): Promise<void>;
}

let relayCount = 0;

/** `startTime`: where the emulator's frozen clock starts (default now), e.g. just before a DST change. */
export async function startRefreshHarness(startTime = new Date()): Promise<RefreshHarness> {
    const emulator = await startEmulator({ frozenClock: true, startTime });
    const stops: (() => Promise<void>)[] = [() => emulator.close()];
    try {
        const azurite = await startAzurite();
        stops.push(() => azurite.stop());
        const webhook = await startWebhook();
        stops.push(() => new Promise<void>((resolve) => webhook.server.close(() => resolve())));
        // The relay reaches the emulator through @azure/identity's App Service managed identity flow.
        Object.assign(process.env, emulator.env());
        const { id: workspaceId } = await emulator.createWorkspace({
            name: 'Refresh tests',
            members: [{ principalId: defaultSystemAssignedPrincipalId, role: 'Member' }],
        });

        const relay = (targets: unknown[], env: Record<string, string> = {}): RelayUnderTest => {
            relayCount += 1;
            const settings = loadSettings({
                POWERBI_API_BASE_URL: `${emulator.url}/v1.0/myorg`,
                POWERBI_WORKSPACE_ID: workspaceId,
                POWERBI_CREDENTIAL: 'managedIdentity',
                AzureWebJobsStorage: azurite.connectionString,
                REFRESH_QUEUE: `refresh-poll-${relayCount}`,
                REFRESH_TABLE: `refreshes${relayCount}`,
                REFRESH_LOCK_TABLE: `refreshLocks${relayCount}`,
                REFRESH_NOTIFY_URL: webhook.handle.url,
                ...env,
            });
            const config = parseRelayConfig({ refreshTargets: targets }, 'test');
            const queue = createStorageClients(settings).queueService.getQueueClient(settings.REFRESH_QUEUE);
            // Shared by every process of this relay (restart() included), as the queue itself is.
            const dueTimes: DueTimes = new Map();
            const makeDeps = () => newDeps(settings, config.refreshTargets, emulator, queue, dueTimes);
            const dueOf = (messageId: string) => dueTimes.get(messageId) ?? 0;
            const under: RelayUnderTest = {
                settings,
                deps: makeDeps(),
                restart: () => (under.deps = makeDeps()),
                client: newClient(settings),
                queue,
                deliveries: [],
                restarts: [],
                receiveCheck: async () => {
                    if (!(await queue.exists())) return undefined;
                    for (;;) {
                        const received = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
                        if (received.receivedMessageItems.length === 0) return undefined;
                        const checks = received.receivedMessageItems
                            .map((item) => ({
                                item,
                                message: refreshQueueMessageSchema.parse(fromQueueText(item.messageText)),
                            }))
                            .sort((a, b) => dueOf(a.item.messageId) - dueOf(b.item.messageId));
                        // Only the earliest is handed out; the others become visible again at once.
                        for (const other of checks.slice(1))
                            await queue.updateMessage(other.item.messageId, other.item.popReceipt, undefined, 0);
                        const first = checks[0]!;
                        const due = dueOf(first.item.messageId);
                        if (due > emulator.clock.now().getTime()) emulator.clock.set(new Date(due));
                        const { message } = first;
                        const remove = async () =>
                            void (await queue.deleteMessage(first.item.messageId, first.item.popReceipt));
                        // Alerts and restarts are handled on the way, as the queue function does.
                        if (message.kind === 'alert') {
                            under.deliveries.push(await deliverAlert(message, under.deps));
                            await remove();
                            continue;
                        }
                        if (message.kind === 'restart') {
                            under.restarts.push(await restartDroppedRefresh(message, under.deps));
                            await remove();
                            continue;
                        }
                        return {
                            message,
                            delete: remove,
                            // What the queue does when the visibility timeout of a message nobody deleted expires.
                            release: async () =>
                                void (await queue.updateMessage(
                                    first.item.messageId,
                                    first.item.popReceipt,
                                    undefined,
                                    0,
                                )),
                        };
                    }
                },
                drain: async (options = {}) => {
                    const outcomes: PollOutcome[] = [];
                    for (let i = 0; i < (options.maxChecks ?? 500); i += 1) {
                        const check = await under.receiveCheck();
                        if (check === undefined) break;
                        outcomes.push(await pollRefresh(check.message, options.deps ?? under.deps));
                        await check.delete();
                    }
                    return outcomes;
                },
            };
            return under;
        };

        return {
            emulator,
            azurite,
            workspaceId,
            webhook: webhook.handle,
            createModel: async (name, script) =>
                (
                    await emulator.createModel({
                        workspaceId,
                        name,
                        tables: [{ name: 'Sales', partitions: ['2024', '2025'] }, { name: 'Customers' }],
                        refreshScript: script as never,
                    })
                ).id,
            relay,
            stop: async () => {
                for (const stop of stops.reverse()) await stop().catch(() => undefined);
            },
        };
    } catch (error) {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
        throw error;
    }
}

function newDeps(
    settings: Settings,
    targets: RefreshTarget[],
    emulator: RunningEmulator,
    queue: QueueClient,
    dueTimes: DueTimes,
): RefreshDeps {
    const now = () => emulator.clock.now();
    const deps = createRefreshDeps(settings, targets, createStorageClients(settings), newClient(settings), {
        now,
        // Waiting is moving the emulator's clock: no sleeps.
        sleep: async (seconds) => void emulator.clock.advance({ seconds }),
    });
    return { ...deps, queue: createDueOrderRefreshQueue(queue, now, dueTimes) };
}

function newClient(settings: Settings): PowerBiClient {
    return createPowerBiClient({
        baseUrl: settings.POWERBI_API_BASE_URL,
        credential: createPowerBiCredential(settings),
        scope: settings.POWERBI_SCOPE,
        timeoutMs: settings.POWERBI_TIMEOUT_MS,
    });
}

async function startWebhook(): Promise<{ server: Server; handle: Webhook }> {
    const handle: Webhook = { url: '', posts: [], status: 200, failNext: 0 };
    const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
            handle.posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
            response.statusCode = handle.failNext > 0 ? 503 : handle.status;
            if (handle.failNext > 0) handle.failNext -= 1;
            response.end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    return { server, handle };
}
