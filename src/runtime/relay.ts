import { loadRelayConfig, type RelayConfig } from '../config/relayConfig';
import { resolveConfigPath } from '../config/resolveConfigPath';
import { loadSettings, SettingsError, type Settings } from '../config/settings';
import { Webhook } from 'standardwebhooks';
import { createIdempotencyStore } from '../ingest/idempotencyStore';
import type { IngestDeps } from '../ingest/ingestRows';
import type { SourceDeps } from '../ingest/sources/ingestSource';
import type { WebhookSender } from '../ingest/verifyWebhookSignature';
import { createPowerBiClient } from '../powerbi/powerBiClient';
import { createPowerBiCredential } from '../powerbi/powerBiCredential';
import { createDatasetClaims } from '../push/datasetClaims';
import { createDatasetResolver } from '../push/datasetResolver';
import type { DeliverDeps } from '../push/deliverRows';
import { createPushGovernor } from '../push/pushGovernor';
import { createPushLedger } from '../push/pushLedger';
import { createSlotLine } from '../push/slotLine';
import { createRowsBlobs } from '../queue/rowsBlobs';
import { createRowsQueue } from '../queue/rowsQueue';
import { createRefreshDeps } from '../refresh/createRefreshDeps';
import type { RefreshDeps } from '../refresh/refreshDeps';
import { createStatusCounters, type StatusCounters } from '../status/statusCounters';
import type { StatusDeps } from '../status/readStatus';
import { createStorageClients } from '../storage/storageClients';
import { appRoot } from '../config/appRoot';
import { createEventhouseClient, type EventhouseClient } from '../eventhouse/eventhouseClient';
import type { EventhouseDeliverDeps } from '../eventhouse/deliverToEventhouse';

export interface Relay {
    settings: Settings;
    config: RelayConfig;
    ingest: IngestDeps;
    sources: SourceDeps;
    deliver: DeliverDeps;
    /** The Eventhouse sink: its own queue, ledger and retry state beside the push's. */
    eventhouse: EventhouseDeliverDeps;
    refresh: RefreshDeps;
    /** This instance's tally of rows accepted, pushed and poisoned, written to STATUS_TABLE every second. */
    counters: StatusCounters;
    status: StatusDeps;
}

/** Counts are written at most this often per instance: one second of counts is what a crash can lose. */
const statusFlushMs = 1_000;

/** Wires the relay from app settings and the config file: the one place that knows how the parts fit. */
export function createRelay(env: NodeJS.ProcessEnv = process.env): Relay {
    const settings = loadSettings(env);
    const config = loadRelayConfig(resolveConfigPath(settings.PBI_RELAY_CONFIG, appRoot()));
    const storage = createStorageClients(settings);
    const queue = createRowsQueue(storage.queueService, settings.ROWS_QUEUE);
    const blobs = createRowsBlobs(storage.blobService, settings.ROWS_CONTAINER);
    const eventhouseQueue = createRowsQueue(storage.queueService, settings.EVENTHOUSE_QUEUE);
    const governorTable = storage.tableClient(settings.PUSH_GOVERNOR_TABLE);
    // One managed identity for both services: the credential caches a token per scope.
    const credential = createPowerBiCredential(settings);
    const client = createPowerBiClient({
        baseUrl: settings.POWERBI_API_BASE_URL,
        credential,
        scope: settings.POWERBI_SCOPE,
        timeoutMs: settings.POWERBI_TIMEOUT_MS,
    });
    const limits = {
        callsPerMinute: settings.PUSH_MAX_CALLS_PER_MINUTE,
        rowsPerHour: settings.PUSH_MAX_ROWS_PER_HOUR,
        pendingCalls: settings.PUSH_MAX_PENDING_CALLS,
        cliffTableRows: settings.PUSH_CLIFF_TABLE_ROWS,
        callsPerHourPastCliff: settings.PUSH_MAX_CALLS_PER_HOUR_PAST_CLIFF,
    };
    const refresh = createRefreshDeps(settings, config.refreshTargets, storage, client);
    const statusTable = storage.tableClient(settings.STATUS_TABLE);
    const ingest: IngestDeps = {
        config,
        maxBodyBytes: settings.INGEST_MAX_BODY_BYTES,
        queue,
        eventhouseQueue,
        blobs,
        idempotency: createIdempotencyStore(storage.tableClient(settings.IDEMPOTENCY_TABLE), {
            retentionHours: settings.IDEMPOTENCY_RETENTION_HOURS,
        }),
        webhookSenders: readWebhookSenders(config, env),
    };
    return {
        settings,
        config,
        ingest,
        sources: { ...ingest, signingSecrets: readSigningSecrets(config, env) },
        deliver: {
            client,
            config,
            resolver: createDatasetResolver(
                client,
                config,
                settings.POWERBI_WORKSPACE_ID,
                createDatasetClaims(governorTable),
            ),
            queue,
            blobs,
            ledger: createPushLedger(storage.tableClient(settings.PUSH_LEDGER_TABLE)),
            governor: createPushGovernor(governorTable, {
                ...limits,
                pendingLeaseMs: settings.POWERBI_TIMEOUT_MS + 5_000,
            }),
            maxRowsPerPost: settings.PUSH_MAX_ROWS_PER_POST,
            maxBytesPerPost: settings.PUSH_MAX_BYTES_PER_POST,
            maxAttempts: settings.PUSH_MAX_ATTEMPTS,
            packMessages: settings.PUSH_COALESCE_MESSAGES,
            maxSlotWaitMs: settings.PUSH_MAX_SLOT_WAIT_MS,
            maxLeadWaitMs: settings.PUSH_MAX_LEAD_WAIT_MS,
            // Power BI's client timeout, and 30 s for the token and the ledger and queue writes around the call.
            callDeadlineSeconds: Math.ceil(settings.POWERBI_TIMEOUT_MS / 1000) + 30,
            slotLine: createSlotLine(),
            retry: { baseSeconds: settings.PUSH_RETRY_BASE_SECONDS, maxSeconds: settings.PUSH_RETRY_MAX_SECONDS },
            now: () => new Date(),
        },
        eventhouse: {
            config,
            clientFor: (() => {
                const clients = new Map<string, EventhouseClient>();
                return (queryServiceUri: string) => {
                    let eventhouseClient = clients.get(queryServiceUri);
                    if (!eventhouseClient) {
                        eventhouseClient = createEventhouseClient({
                            queryServiceUri,
                            credential,
                            scope: settings.EVENTHOUSE_SCOPE,
                            timeoutMs: settings.POWERBI_TIMEOUT_MS,
                        });
                        clients.set(queryServiceUri, eventhouseClient);
                    }
                    return eventhouseClient;
                };
            })(),
            defaultQueryServiceUri: settings.EVENTHOUSE_QUERY_SERVICE_URI,
            queue: eventhouseQueue,
            rowsQueue: queue,
            blobs,
            ledger: createPushLedger(storage.tableClient(settings.EVENTHOUSE_LEDGER_TABLE)),
            maxBytesPerIngest: settings.EVENTHOUSE_MAX_BYTES_PER_INGEST,
            maxAttempts: settings.PUSH_MAX_ATTEMPTS,
            retry: { baseSeconds: settings.PUSH_RETRY_BASE_SECONDS, maxSeconds: settings.PUSH_RETRY_MAX_SECONDS },
            now: () => new Date(),
        },
        refresh,
        counters: createStatusCounters(statusTable, {
            flushMs: statusFlushMs,
            onError: (error) => console.warn(`pbi-relay status counters not written: ${(error as Error).message}`),
        }),
        status: {
            config,
            countersTable: statusTable,
            governorTable,
            queueService: storage.queueService,
            rowsQueue: queue.name,
            poisonQueue: queue.poisonName,
            eventhouseQueue: eventhouseQueue.name,
            eventhousePoisonQueue: eventhouseQueue.poisonName,
            limits,
            refresh,
            now: () => new Date(),
        },
    };
}

/** Each signed source's secret from its app setting; a missing one stops start-up naming the setting and the source. */
function readSigningSecrets(config: RelayConfig, env: NodeJS.ProcessEnv): Record<string, string> {
    const secrets: Record<string, string> = {};
    const missing: string[] = [];
    for (const source of config.sources) {
        if (source.signature === undefined || source.signature.scheme === 'standardwebhooks') continue;
        const secret = env[source.signature.secretSetting]?.trim();
        if (secret) secrets[source.name] = secret;
        else missing.push(`${source.signature.secretSetting}: source "${source.name}" needs its signing secret`);
    }
    if (missing.length > 0) throw new SettingsError(`Invalid app settings: ${missing.join('; ')}`);
    return secrets;
}

/**
 * Each webhook sender's Standard Webhooks secrets from its app settings (unset ones are skipped, so a rotation slot
 * may stay empty); a sender with none, or a secret that is not "whsec_<base64>", stops start-up naming the setting.
 */
function readWebhookSenders(config: RelayConfig, env: NodeJS.ProcessEnv): WebhookSender[] {
    const problems: string[] = [];
    const senders = config.webhookSenders.map((sender) => {
        const verifiers: Webhook[] = [];
        for (const setting of sender.secretSettings) {
            const secret = env[setting]?.trim();
            if (!secret) continue;
            try {
                verifiers.push(new Webhook(secret));
            } catch {
                problems.push(
                    `${setting}: not a Standard Webhooks secret ("whsec_" and base64) of sender "${sender.name}"`,
                );
            }
        }
        if (verifiers.length === 0 && !problems.some((p) => p.includes(`"${sender.name}"`))) {
            problems.push(`${sender.secretSettings.join(' or ')}: webhook sender "${sender.name}" needs a secret`);
        }
        return { name: sender.name, verifiers };
    });
    if (problems.length > 0) throw new SettingsError(`Invalid app settings: ${problems.join('; ')}`);
    return senders;
}

let relay: Relay | undefined;

/** The process-wide relay, created on first use so that bad settings fail loudly with one message. */
export function getRelay(): Relay {
    relay ??= createRelay();
    return relay;
}
