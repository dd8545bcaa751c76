import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings';

const workspace = '11111111-2222-3333-4444-555555555555';

describe('loadSettings', () => {
    it('fills defaults for everything but the workspace and storage', () => {
        const settings = loadSettings({
            POWERBI_WORKSPACE_ID: workspace,
            AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        });
        expect(settings).toMatchObject({
            POWERBI_API_BASE_URL: 'https://api.powerbi.com/v1.0/myorg',
            POWERBI_SCOPE: 'https://analysis.windows.net/powerbi/api/.default',
            POWERBI_CREDENTIAL: 'default',
            ROWS_QUEUE: 'pbi-rows',
            PUSH_MAX_ROWS_PER_POST: 10_000,
        });
    });

    it('names every missing or malformed setting in one message', () => {
        expect(() =>
            loadSettings({
                POWERBI_API_BASE_URL: 'not a url',
                PUSH_MAX_ROWS_PER_POST: '20000',
                AzureWebJobsStorage: 'x',
            }),
        ).toThrow(
            /^Invalid app settings: POWERBI_API_BASE_URL: .*; POWERBI_WORKSPACE_ID: .*; PUSH_MAX_ROWS_PER_POST: .*10000/,
        );
    });

    it('checks REFRESH_SCHEDULE with the same parser as the target schedules', () => {
        const base = { POWERBI_WORKSPACE_ID: workspace, AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
        expect(loadSettings({ ...base, REFRESH_SCHEDULE: '0 15 6 * * MON-FRI' }).REFRESH_SCHEDULE).toBe(
            '0 15 6 * * MON-FRI',
        );
        expect(loadSettings({ ...base, REFRESH_SCHEDULE: '02:00:00' }).REFRESH_SCHEDULE).toBe('02:00:00');
        expect(() => loadSettings({ ...base, REFRESH_SCHEDULE: '0 0 24 * * *' })).toThrow(
            'Invalid app settings: REFRESH_SCHEDULE: Invalid NCRONTAB expression "0 0 24 * * *": hour 24 is outside 0-23',
        );
    });

    it('requires storage as a connection string or as identity-based service URIs', () => {
        expect(() => loadSettings({ POWERBI_WORKSPACE_ID: workspace })).toThrow(
            /AzureWebJobsStorage: set a connection string/,
        );
        expect(() =>
            loadSettings({
                POWERBI_WORKSPACE_ID: workspace,
                AzureWebJobsStorage__queueServiceUri: 'https://a.queue.core.windows.net',
            }),
        ).toThrow(/__blobServiceUri and AzureWebJobsStorage__tableServiceUri are required/);
        expect(
            loadSettings({
                POWERBI_WORKSPACE_ID: workspace,
                AzureWebJobsStorage__queueServiceUri: 'https://a.queue.core.windows.net',
                AzureWebJobsStorage__blobServiceUri: 'https://a.blob.core.windows.net',
                AzureWebJobsStorage__tableServiceUri: 'https://a.table.core.windows.net',
            }).AzureWebJobsStorage,
        ).toBeUndefined();
    });
});
