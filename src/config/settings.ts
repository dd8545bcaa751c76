import { z } from 'zod';
import { parseRefreshSchedule } from '../schedule/refreshSchedule';
import { describeZodError } from './describeZodError';
import { isHttpsOrLoopbackUrl } from './isHttpsOrLoopbackUrl';

const positiveInt = z.coerce.number().int().positive();

/** Documented: a streaming ingestion request carries at most 4 MB of data (sent and decompressed). */
export const maxIngestBytes = 4 * 1024 * 1024;
const optionalText = z
    .string()
    .trim()
    .transform((value) => (value === '' ? undefined : value))
    .optional();

/**
 * Every app setting the relay reads, validated once at start-up. In Azure these are the function app's
 * app settings (set by infra/app/api.bicep); locally they come from local.settings.json or `npm start`.
 */
export const settingsSchema = z.object({
    POWERBI_API_BASE_URL: z
        .url()
        .refine(isHttpsOrLoopbackUrl, {
            error: 'must be https (http only for the local emulator on 127.0.0.1, localhost or [::1])',
        })
        .default('https://api.powerbi.com/v1.0/myorg'),
    POWERBI_WORKSPACE_ID: z.guid({ error: 'must be the GUID of the Power BI workspace that holds the datasets' }),
    POWERBI_SCOPE: z.string().default('https://analysis.windows.net/powerbi/api/.default'),
    /** managedIdentity in Azure; default lets a developer use `az login` (DefaultAzureCredential). */
    POWERBI_CREDENTIAL: z.enum(['managedIdentity', 'default']).default('default'),
    POWERBI_TIMEOUT_MS: positiveInt.default(30_000),
    AZURE_CLIENT_ID: optionalText,
    PBI_RELAY_CONFIG: z.string().min(1).default('pbi-relay.config.json'),

    /** A connection string (locally); in Azure the identity-based form below is used instead. */
    AzureWebJobsStorage: optionalText,
    AzureWebJobsStorage__blobServiceUri: z.url().optional(),
    AzureWebJobsStorage__queueServiceUri: z.url().optional(),
    AzureWebJobsStorage__tableServiceUri: z.url().optional(),
    AzureWebJobsStorage__clientId: optionalText,

    ROWS_QUEUE: z
        .string()
        .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$/, 'must be a valid queue name')
        .default('pbi-rows'),
    ROWS_CONTAINER: z
        .string()
        .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid container name')
        .default('pbi-rows'),
    PUSH_LEDGER_TABLE: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be a valid table name')
        .default('pbiRelayPushLedger'),
    /**
     * Days a ledger entry is kept. A message redelivered or replayed from the poison queue after this may push
     * its parts again; claim-check blobs expire after 30 days (infra lifecycle rule), so keep it at least that.
     */
    PUSH_LEDGER_RETENTION_DAYS: positiveInt.default(30),
    INGEST_MAX_BODY_BYTES: positiveInt.default(16 * 1024 * 1024),
    /** Where the sources remember the event ids they committed (Event Grid retries with the same id). */
    IDEMPOTENCY_TABLE: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be a valid table name')
        .default('pbiRelayIdempotency'),
    /** How long a committed event id is remembered; a copy arriving later is committed again. */
    IDEMPOTENCY_RETENTION_HOURS: positiveInt.default(24),
    PUSH_MAX_ROWS_PER_POST: positiveInt.max(10_000).default(10_000),
    PUSH_MAX_ATTEMPTS: positiveInt.default(10),
    PUSH_RETRY_BASE_SECONDS: positiveInt.default(5),
    PUSH_RETRY_MAX_SECONDS: positiveInt.default(900),
    /** How many other queued requests for the same table one Add Rows call may carry (0 = off, one call per request). */
    PUSH_COALESCE_MESSAGES: z.coerce.number().int().min(0).max(10_000).default(10_000),
    /** Power BI refuses Add Rows bodies over 16 MB; packed calls stay under this. */
    PUSH_MAX_BYTES_PER_POST: positiveInt.max(16_000_000).default(15_000_000),
    /** The shared Add Rows budget of each dataset (Table storage, one entity per dataset). */
    /** The status page's counters: rows accepted, pushed and poisoned per dataset, table and minute. */
    STATUS_TABLE: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be a valid table name')
        .default('pbiRelayStatus'),
    PUSH_GOVERNOR_TABLE: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be a valid table name')
        .default('pbiRelayPushGovernor'),
    /** Power BI's documented Add Rows limits per dataset; lower them to leave room for another writer. */
    PUSH_MAX_CALLS_PER_MINUTE: positiveInt.default(120),
    PUSH_MAX_ROWS_PER_HOUR: positiveInt.default(1_000_000),
    PUSH_MAX_PENDING_CALLS: positiveInt.default(5),
    PUSH_CLIFF_TABLE_ROWS: positiveInt.default(250_000),
    PUSH_MAX_CALLS_PER_HOUR_PAST_CLIFF: positiveInt.default(120),
    /** How long an invocation waits for its dataset's next call slot before handing its rows back to the queue. */
    PUSH_MAX_SLOT_WAIT_MS: positiveInt.default(1_500),
    /**
     * How long one invocation may wait for a slot further away, carrying the messages this instance's other
     * invocations hold for the same dataset (past the cliff, slots are 30 s apart).
     */
    PUSH_MAX_LEAD_WAIT_MS: positiveInt.default(60_000),

    /** The Eventhouse of datasets whose eventhouse names no queryServiceUri (https, or http for the local emulator). */
    EVENTHOUSE_QUERY_SERVICE_URI: z.preprocess(
        (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
        z
            .url()
            .refine(isHttpsOrLoopbackUrl, {
                error: 'must be https (http only for the local Kusto emulator on 127.0.0.1, localhost or [::1])',
            })
            .optional(),
    ),
    EVENTHOUSE_SCOPE: z.string().default('https://kusto.kusto.windows.net/.default'),
    /** The Eventhouse sink's own queue: one message per accepted request for a dataset with the eventhouse sink. */
    EVENTHOUSE_QUEUE: z
        .string()
        .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$/, 'must be a valid queue name')
        .default('pbi-relay-eventhouse'),
    /** The Eventhouse sink's ledger of ingested parts (swept with the push ledger, PUSH_LEDGER_RETENTION_DAYS). */
    EVENTHOUSE_LEDGER_TABLE: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be a valid table name')
        .default('pbiRelayEventhouseLedger'),
    /** The MultiJSON bytes of one streaming ingestion request; larger ingestions are sent in parts of at most this. */
    EVENTHOUSE_MAX_BYTES_PER_INGEST: positiveInt.max(maxIngestBytes).default(maxIngestBytes),

    /** The schedule of refresh targets that name none (NCRONTAB, read in the target's timeZone, or hh:mm:ss). */
    REFRESH_SCHEDULE: z
        .string()
        .trim()
        .superRefine((value, ctx) => {
            try {
                parseRefreshSchedule(value);
            } catch (error) {
                ctx.addIssue({
                    code: 'custom',
                    message: `${(error as Error).message} (six fields: {second} {minute} {hour} {day} {month} {day-of-week}, or hh:mm:ss)`,
                });
            }
        })
        .default('0 0 * * * *'),
    REFRESH_QUEUE: z
        .string()
        .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$/, 'must be a valid queue name')
        .default('pbi-refresh-poll'),
    REFRESH_TABLE: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be a valid table name')
        .default('pbiRelayRefreshes'),
    REFRESH_LOCK_TABLE: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be a valid table name')
        .default('pbiRelayRefreshLocks'),
    /** The poller's back-off: first status check after the minimum, doubling up to the maximum. */
    REFRESH_POLL_MIN_SECONDS: positiveInt.default(10),
    REFRESH_POLL_MAX_SECONDS: positiveInt.default(300),
    /** How long an accepted refresh may stay invisible in the service's history before it counts as dropped. */
    REFRESH_DROP_GRACE_SECONDS: positiveInt.default(600),
    /** How long a start may keep retrying throttled and transient answers before it is recorded as failed. */
    REFRESH_START_BUDGET_SECONDS: positiveInt.default(120),
    REFRESH_RETENTION_DAYS: positiveInt.default(90),
    /** Optional incoming webhook that receives failed, timed-out, cancelled and dropped refreshes. */
    REFRESH_NOTIFY_URL: z.preprocess(
        (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
        z.url().optional(),
    ),
    /** The webhook's payload: json (the relay's fields), teams (Adaptive Card for a Teams Workflows webhook) or slack. */
    REFRESH_NOTIFY_FORMAT: z.enum(['json', 'teams', 'slack']).default('json'),

    /** Set by infra/app/api.bicep; identifies the Application Insights component (it carries no secret). */
    APPLICATIONINSIGHTS_CONNECTION_STRING: optionalText,
    /** `ClientId=<id>;Authorization=AAD`: ingestion with that user-assigned identity (the component refuses keys). */
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: optionalText,
    /**
     * Where the relay's OpenTelemetry metrics go: azureMonitor (Application Insights), console, or none;
     * auto is azureMonitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set, otherwise none.
     */
    METRICS_EXPORTER: z.enum(['auto', 'azureMonitor', 'console', 'none']).default('auto'),
});

export type Settings = z.infer<typeof settingsSchema>;

export class SettingsError extends Error {
    override name = 'SettingsError';
}

/** Reads and validates the settings, failing with one message that names every bad setting. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
    const parsed = settingsSchema.safeParse(env);
    if (!parsed.success) {
        throw new SettingsError(`Invalid app settings: ${describeZodError(parsed.error)}`);
    }
    const settings = parsed.data;
    const identityBased = settings.AzureWebJobsStorage__queueServiceUri !== undefined;
    if (settings.AzureWebJobsStorage === undefined && !identityBased) {
        throw new SettingsError(
            'Invalid app settings: AzureWebJobsStorage: set a connection string, or AzureWebJobsStorage__queueServiceUri, __blobServiceUri and __tableServiceUri for identity-based access',
        );
    }
    if (
        identityBased &&
        (!settings.AzureWebJobsStorage__blobServiceUri || !settings.AzureWebJobsStorage__tableServiceUri)
    ) {
        throw new SettingsError(
            'Invalid app settings: AzureWebJobsStorage__blobServiceUri and AzureWebJobsStorage__tableServiceUri are required with AzureWebJobsStorage__queueServiceUri',
        );
    }
    if (settings.METRICS_EXPORTER === 'azureMonitor' && settings.APPLICATIONINSIGHTS_CONNECTION_STRING === undefined) {
        throw new SettingsError(
            'Invalid app settings: APPLICATIONINSIGHTS_CONNECTION_STRING: METRICS_EXPORTER azureMonitor needs the connection string of the Application Insights component',
        );
    }
    return settings;
}
