import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, settingsSchema } from '../../src/config/settings';
import { find, functionAppSettings, infraDir, loadBicep, stringLiteral, type ObjectKey } from './bicepTree';

/**
 * The app settings that infra/app/api.bicep gives the function app, checked against the app's own zod
 * schema: a setting the schema requires cannot be forgotten in the deployment, and literal values are
 * values the schema accepts.
 */
const api = loadBicep('infra/app/api.bicep');
const main = loadBicep('infra/main.bicep');
const storageNames = JSON.parse(readFileSync(path.join(infraDir, 'app/storage-names.json'), 'utf8')) as unknown;
const shape = settingsSchema.shape as Record<
    string,
    { safeParse(value: unknown): { success: boolean; error?: unknown } }
>;
const settings = new Map(functionAppSettings(api.root).map((entry) => [entry.key, entry]));

/** Keys whose schema rejects `undefined`: the app does not start without them. */
const requiredBySchema = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success);

/** Not required by the schema (they have local defaults), but the Azure deployment depends on them. */
const requiredInAzure = [
    'POWERBI_CREDENTIAL',
    'AZURE_CLIENT_ID',
    'AzureWebJobsStorage__credential',
    'AzureWebJobsStorage__clientId',
    'AzureWebJobsStorage__blobServiceUri',
    'AzureWebJobsStorage__queueServiceUri',
    'AzureWebJobsStorage__tableServiceUri',
];

/** Resolves `storageNames.a.b` against storage-names.json. */
function storageName(expression: string): string | undefined {
    const match = /^storageNames((?:\.\w+)+)$/.exec(expression);
    if (!match) return undefined;
    let current: unknown = storageNames;
    for (const key of match[1]!.slice(1).split('.')) current = (current as Record<string, unknown> | undefined)?.[key];
    return typeof current === 'string' ? current : undefined;
}

/** Values Azure would put in place of api.bicep's expressions, for a start-up check of the whole set. */
const sampleValues: Record<string, string> = {
    identityClientId: '00000000-0000-4000-8000-000000000001',
    powerBiWorkspaceId: '00000000-0000-4000-8000-000000000002',
    eventhouseQueryServiceUri: 'https://eh.westeurope.kusto.fabric.microsoft.com',
    refreshSchedule: stringLiteral(find(main.root, 'var', 'defaultRefreshSchedule').value) ?? '',
    'stg.properties.primaryEndpoints.blob': 'https://stexample.blob.core.windows.net/',
    'stg.properties.primaryEndpoints.queue': 'https://stexample.queue.core.windows.net/',
    'stg.properties.primaryEndpoints.table': 'https://stexample.table.core.windows.net/',
    'applicationInsights.properties.ConnectionString':
        'InstrumentationKey=00000000-0000-4000-8000-000000000003;IngestionEndpoint=https://example.in.applicationinsights.azure.com/',
    "'ClientId=${identityClientId};Authorization=AAD'":
        'ClientId=00000000-0000-4000-8000-000000000001;Authorization=AAD',
};

function resolve(entry: ObjectKey): string | undefined {
    return stringLiteral(entry.value) ?? storageName(entry.value.text) ?? sampleValues[entry.value.text];
}

describe('app settings in api.bicep against src/config/settings.ts', () => {
    it('finds the schema and the settings', () => {
        expect(Object.keys(shape).length).toBeGreaterThan(5);
        expect(settings.size).toBeGreaterThan(5);
        expect(requiredBySchema).toContain('POWERBI_WORKSPACE_ID');
    });

    it.each([...new Set([...requiredBySchema, ...requiredInAzure])])('sets %s unconditionally', (key) => {
        const entry = settings.get(key);
        expect(entry, `${key} is required by the app but infra/app/api.bicep does not set it`).toBeDefined();
        expect(entry!.conditional, `${key} is set only under a condition`).toBe(false);
    });

    it('gives every schema setting with a literal value a value the schema accepts', () => {
        const checked: string[] = [];
        for (const [key, entry] of settings) {
            const schema = shape[key];
            const value = stringLiteral(entry.value) ?? storageName(entry.value.text);
            if (!schema || value === undefined) continue;
            expect(schema.safeParse(value).success, `${key}: '${value}' is rejected by the settings schema`).toBe(true);
            checked.push(key);
        }
        expect(checked).toEqual(
            expect.arrayContaining(['POWERBI_CREDENTIAL', 'ROWS_QUEUE', 'ROWS_CONTAINER', 'PUSH_LEDGER_TABLE']),
        );
    });

    it('names only queues, tables and containers that the deployment creates', () => {
        const created = new Set(
            Object.values(storageNames as Record<string, unknown>).flatMap((group) =>
                typeof group === 'object' && group ? Object.values(group) : [],
            ),
        );
        for (const [key, entry] of settings) {
            if (!/(_QUEUE|_TABLE|_CONTAINER)$/.test(key)) continue;
            const value = storageName(entry.value.text);
            expect(value, `${key} should take its name from storage-names.json`).toBeDefined();
            expect(created.has(value), `${key}: ${value}`).toBe(true);
        }
    });

    it('creates the queue, table or container behind every such setting of the schema', () => {
        const created = new Set(
            Object.values(storageNames as Record<string, unknown>).flatMap((group) =>
                typeof group === 'object' && group ? Object.values(group) : [],
            ),
        );
        const storageKeys = Object.keys(shape).filter((key) => /(_QUEUE|_TABLE|_CONTAINER)$/.test(key));
        expect(storageKeys.length).toBeGreaterThanOrEqual(3);
        for (const key of storageKeys) {
            const entry = settings.get(key);
            // Set explicitly, or the schema's default names something the deployment creates.
            const value = entry
                ? storageName(entry.value.text)
                : (settingsSchema.shape as Record<string, { parse(v: unknown): unknown }>)[key]!.parse(undefined);
            expect(
                created.has(value),
                `${key} = ${String(value)} is not created by the storage module in infra/main.bicep`,
            ).toBe(true);
        }
    });

    it('starts the app: loadSettings accepts the settings as Azure would set them', () => {
        const env: Record<string, string> = {};
        const unresolved: string[] = [];
        for (const [key, entry] of settings) {
            const value = resolve(entry);
            if (value === undefined) unresolved.push(`${key} = ${entry.value.text}`);
            else env[key] = value;
        }
        const unresolvedRequired = unresolved.filter((line) => requiredBySchema.includes(line.split(' = ')[0]!));
        expect(unresolvedRequired, 'add a sample value for these expressions to sampleValues in this test').toEqual([]);
        const loaded = loadSettings(env);
        expect(loaded.POWERBI_CREDENTIAL).toBe('managedIdentity');
        expect(loaded.AzureWebJobsStorage).toBeUndefined();
        expect(loaded.AzureWebJobsStorage__queueServiceUri).toBe('https://stexample.queue.core.windows.net/');
    });
});
