import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { metrics } from '@opentelemetry/api';
import type { Settings } from '../config/settings';
import { createStorageClients } from '../storage/storageClients';
import { readQueueDepth } from './readQueueDepth';
import { observeQueues } from './relayMetrics';

export type MetricsDestination = 'azureMonitor' | 'console' | 'none';

export function toMetricsDestination(
    settings: Pick<Settings, 'METRICS_EXPORTER' | 'APPLICATIONINSIGHTS_CONNECTION_STRING'>,
): MetricsDestination {
    if (settings.METRICS_EXPORTER !== 'auto') return settings.METRICS_EXPORTER;
    return settings.APPLICATIONINSIGHTS_CONNECTION_STRING === undefined ? 'none' : 'azureMonitor';
}

/**
 * The identity that ingests into Application Insights, read from APPLICATIONINSIGHTS_AUTHENTICATION_STRING the
 * way the Functions host reads it (`ClientId=<id>;Authorization=AAD`; without ClientId the system-assigned one).
 * https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication
 */
export function toIngestionCredential(authenticationString: string | undefined): TokenCredential | undefined {
    if (authenticationString === undefined) return undefined;
    const parts = new Map(
        authenticationString
            .split(';')
            .map((part) => part.split('=').map((text) => text.trim()))
            .filter((pair): pair is [string, string] => pair.length === 2)
            .map(([key, value]) => [key.toLowerCase(), value]),
    );
    if (parts.get('authorization')?.toLowerCase() !== 'aad') return undefined;
    const clientId = parts.get('clientid');
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

export interface RunningMetrics {
    destination: MetricsDestination;
    /** Exports what is still pending and stops (the app's appTerminate hook). */
    stop(): Promise<void>;
}

/**
 * Sends the relay's metrics (relayMetrics.ts) where METRICS_EXPORTER says, and has every collection read the
 * rows queue's depth. With `none` no meter provider is registered: instruments stay no-ops unless the
 * process (a test's in-memory exporter) registered one of its own. Exporters are loaded only when used:
 * the Azure Monitor distro takes a second or more to load, which a local run need not pay.
 */
export async function startMetrics(settings: Settings): Promise<RunningMetrics> {
    const destination = toMetricsDestination(settings);
    let stop = async (): Promise<void> => undefined;
    if (destination === 'azureMonitor') {
        const { useAzureMonitor, shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
        useAzureMonitor({
            azureMonitorExporterOptions: {
                connectionString: settings.APPLICATIONINSIGHTS_CONNECTION_STRING,
                credential: toIngestionCredential(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING),
            },
            // Metrics only: the Functions host already records requests, dependencies and the app's logs.
            instrumentationOptions: {
                http: { enabled: false },
                azureSdk: { enabled: false },
                mongoDb: { enabled: false },
                mySql: { enabled: false },
                postgreSql: { enabled: false },
                redis: { enabled: false },
                redis4: { enabled: false },
            },
            enableLiveMetrics: false,
            enableStandardMetrics: false,
            enablePerformanceCounters: false,
        });
        stop = () => shutdownAzureMonitor();
    } else if (destination === 'console') {
        const { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } =
            await import('@opentelemetry/sdk-metrics');
        const provider = new MeterProvider({
            readers: [
                new PeriodicExportingMetricReader({
                    exporter: new ConsoleMetricExporter(),
                    exportIntervalMillis: 60_000,
                }),
            ],
        });
        metrics.setGlobalMeterProvider(provider);
        stop = () => provider.shutdown();
    }
    const { queueService } = createStorageClients(settings);
    const now = () => new Date();
    const queue = (name: string) => ({ name, read: () => readQueueDepth(queueService.getQueueClient(name), now) });
    observeQueues([queue(settings.ROWS_QUEUE), queue(`${settings.ROWS_QUEUE}-poison`)]);
    return { destination, stop };
}
