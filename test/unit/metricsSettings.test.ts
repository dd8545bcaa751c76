import { ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings';
import { toIngestionCredential, toMetricsDestination } from '../../src/telemetry/startMetrics';

const base = {
    POWERBI_WORKSPACE_ID: '00000000-0000-4000-8000-000000000001',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};
const connectionString =
    'InstrumentationKey=00000000-0000-4000-8000-000000000003;IngestionEndpoint=https://example.in.applicationinsights.azure.com/';

describe('where the metrics go (METRICS_EXPORTER)', () => {
    it.each([
        [{}, 'none'],
        [{ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString }, 'azureMonitor'],
        [{ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString, METRICS_EXPORTER: 'none' }, 'none'],
        [{ METRICS_EXPORTER: 'console' }, 'console'],
        [{ APPLICATIONINSIGHTS_CONNECTION_STRING: '', METRICS_EXPORTER: 'auto' }, 'none'],
    ])('%j sends them to %s', (env, destination) => {
        expect(toMetricsDestination(loadSettings({ ...base, ...env }))).toBe(destination);
    });

    it('refuses azureMonitor without the connection string, naming it', () => {
        expect(() => loadSettings({ ...base, METRICS_EXPORTER: 'azureMonitor' })).toThrow(
            /APPLICATIONINSIGHTS_CONNECTION_STRING: METRICS_EXPORTER azureMonitor needs/,
        );
        expect(() => loadSettings({ ...base, METRICS_EXPORTER: 'prometheus' })).toThrow(/METRICS_EXPORTER/);
    });
});

describe('the identity that ingests (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)', () => {
    it('is the managed identity for Authorization=AAD, with or without a client id', () => {
        expect(toIngestionCredential('ClientId=00000000-0000-4000-8000-000000000001;Authorization=AAD')).toBeInstanceOf(
            ManagedIdentityCredential,
        );
        expect(toIngestionCredential('Authorization=AAD')).toBeInstanceOf(ManagedIdentityCredential);
        expect(toIngestionCredential(' clientid = x ; authorization = aad ')).toBeInstanceOf(ManagedIdentityCredential);
    });

    it('is none without the setting or without Authorization=AAD', () => {
        expect(toIngestionCredential(undefined)).toBeUndefined();
        expect(toIngestionCredential('ClientId=00000000-0000-4000-8000-000000000001')).toBeUndefined();
    });
});
