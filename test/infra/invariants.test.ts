import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
    appSettingsConfig,
    bodyObject,
    condition,
    declarationsOf,
    decoratorArgument,
    find,
    functionAppSettings,
    infraDir,
    loadBicep,
    listBicepFiles,
    objectKeys,
    parseBicep,
    properties,
    property,
    repoRoot,
    resourcesOfType,
    stringLiteral,
    type Declaration,
    type Node,
} from './bicepTree';
import { metricNames } from '../../src/telemetry/relayMetrics';

const main = loadBicep('infra/main.bicep');
const api = loadBicep('infra/app/api.bicep');
const rbac = loadBicep('infra/app/rbac.bicep');
const monitoring = loadBicep('infra/app/monitoring.bicep');

const text = (node: Node | undefined): string | undefined => node?.text.trim();
const literal = (node: Node | undefined): string | undefined => stringLiteral(node);
const params = (declaration: Declaration): Node | undefined => property(bodyObject(declaration), 'params');

/** The diagnostic settings array `list` (`[{...}]` or a variable holding it) as (workspace, logs, metrics). */
function diagnosticSettings(root: Node, list: Node | undefined) {
    const resolved = list?.type === 'identifier' ? find(root, 'var', list.text).value : list;
    const entries = resolved?.namedChildren.filter((n) => n.type === 'object') ?? [];
    return entries.map((entry) => ({
        workspace: text(property(entry, 'workspaceResourceId')),
        logs: (property(entry, 'logCategoriesAndGroups')?.namedChildren ?? [])
            .filter((n) => n.type === 'object')
            .map((n) => literal(property(n, 'categoryGroup')) ?? literal(property(n, 'category'))),
        metrics: (property(entry, 'metricCategories')?.namedChildren ?? [])
            .filter((n) => n.type === 'object')
            .map((n) => literal(property(n, 'category'))),
    }));
}

function allFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const full = path.join(dir, name);
        return statSync(full).isDirectory() ? allFiles(full) : [full];
    });
}

describe('storage account', () => {
    const storage = find(main.root, 'module', 'storage');

    it('uses the pinned AVM module', () => {
        expect(storage.target).toBe('br/public:avm/res/storage/storage-account:0.33.0');
    });

    it('turns off shared keys, public blob access and cross-tenant replication, and requires TLS 1.2', () => {
        expect(text(property(params(storage), 'allowSharedKeyAccess'))).toBe('false');
        expect(text(property(params(storage), 'allowBlobPublicAccess'))).toBe('false');
        expect(text(property(params(storage), 'allowCrossTenantReplication'))).toBe('false');
        expect(text(property(params(storage), 'defaultToOAuthAuthentication'))).toBe('true');
        expect(literal(property(params(storage), 'minimumTlsVersion'))).toBe('TLS1_2');
    });

    it('takes its redundancy from a parameter, LRS unless chosen otherwise', () => {
        expect(text(property(params(storage), 'skuName'))).toBe('storageSkuName');
        const sku = find(main.root, 'param', 'storageSkuName');
        expect(literal(sku.value)).toBe('Standard_LRS');
        const allowed = decoratorArgument(sku, 'allowed')?.namedChildren.map((child) => stringLiteral(child));
        expect(allowed).toEqual(expect.arrayContaining(['Standard_LRS', 'Standard_ZRS', 'Standard_GZRS']));
        expect(allowed?.every((name) => name?.startsWith('Standard_'))).toBe(true);
    });

    it.each(['blobServices', 'queueServices', 'tableServices'])(
        'sends the logs and metrics of %s to the Log Analytics workspace',
        (service) => {
            const settings = diagnosticSettings(main.root, property(params(storage), `${service}.diagnosticSettings`));
            expect(settings).toEqual([
                { workspace: 'monitoring.outputs.logAnalyticsId', logs: ['allLogs'], metrics: ['AllMetrics'] },
            ]);
        },
    );

    it('sends the account metrics to the Log Analytics workspace', () => {
        expect(diagnosticSettings(main.root, property(params(storage), 'diagnosticSettings'))).toEqual([
            { workspace: 'monitoring.outputs.logAnalyticsId', logs: [], metrics: ['AllMetrics'] },
        ]);
    });

    it('is the only storage account the deployment creates (others are `existing` references)', () => {
        for (const file of listBicepFiles()) {
            const { root } = loadBicep(file);
            for (const account of resourcesOfType(root, 'Microsoft.Storage/storageAccounts')) {
                const isExisting = account.node.children.some((child) => child.type === 'existing');
                expect(isExisting, `${file}: ${account.name} must be an existing reference`).toBe(true);
            }
        }
    });
});

describe('no keys and no secret-bearing connection strings', () => {
    const forbidden: [RegExp, string][] = [
        [/listKeys\s*\(/i, 'listKeys('],
        [/listConnectionStrings\s*\(/i, 'listConnectionStrings('],
        [/AccountKey\s*=/i, 'AccountKey='],
        [/SharedAccessKey/i, 'SharedAccessKey'],
        [/DefaultEndpointsProtocol/i, 'a storage connection string'],
        [/InstrumentationKey\s*=/i, 'a literal instrumentation key'],
        [/\.(primary|secondary)(Shared)?Key\b/, 'an account or workspace key'],
        [/@secure\(\)/, 'a secure parameter (there are no secrets to pass)'],
    ];
    const files = [
        ...allFiles(infraDir).filter((file) => /\.(bicep|json)$/.test(file)),
        path.join(repoRoot, 'azure.yaml'),
    ];

    it.each(files.map((file) => path.relative(repoRoot, file)))('%s has none', (file) => {
        const content = readFileSync(path.join(repoRoot, file), 'utf8');
        for (const [pattern, what] of forbidden) {
            const match = pattern.exec(content);
            const line = match ? content.slice(0, match.index).split('\n').length : 0;
            expect(match, `${file}:${line} contains ${what}`).toBeNull();
        }
    });

    it('sets no AzureWebJobsStorage connection string and no other *CONNECTION* setting than Application Insights', () => {
        const keys = functionAppSettings(api.root).map((entry) => entry.key);
        expect(keys).not.toContain('AzureWebJobsStorage');
        expect(keys.filter((key) => /connection/i.test(key))).toEqual(['APPLICATIONINSIGHTS_CONNECTION_STRING']);
    });
});

describe('function app (api.bicep)', () => {
    const site = find(api.root, 'module', 'api');
    const settings = new Map(functionAppSettings(api.root).map((entry) => [entry.key, entry]));
    const setting = (key: string): string | undefined => text(settings.get(key)?.value);

    it('is a Flex Consumption app on the pinned AVM site module, Node 22', () => {
        expect(site.target).toBe('br/public:avm/res/web/site:0.24.0');
        expect(literal(property(params(site), 'kind'))).toBe('functionapp,linux');
        expect(literal(property(params(site), 'functionAppConfig.runtime.name'))).toBe('node');
        expect(literal(property(params(site), 'functionAppConfig.runtime.version'))).toBe('22');
    });

    it('runs only as the user-assigned identity and deploys its package with it', () => {
        expect(text(property(params(site), 'managedIdentities.systemAssigned'))).toBe('false');
        expect(text(property(params(site), 'managedIdentities.userAssignedResourceIds'))).toMatch(
            /^\[\s*identityId\s*\]$/,
        );
        const auth = property(params(site), 'functionAppConfig.deployment.storage.authentication');
        expect(literal(property(auth, 'type'))).toBe('UserAssignedIdentity');
        expect(text(property(auth, 'userAssignedIdentityResourceId'))).toBe('identityId');
        expect(literal(property(params(site), 'functionAppConfig.deployment.storage.type'))).toBe('blobContainer');
    });

    it('allows no basic publishing credentials, for scm nor ftp', () => {
        const policies = property(params(site), 'basicPublishingCredentialsPolicies')?.namedChildren.filter(
            (n) => n.type === 'object',
        );
        expect(
            policies?.map((policy) => [literal(property(policy, 'name')), text(property(policy, 'allow'))]).sort(),
        ).toEqual([
            ['ftp', 'false'],
            ['scm', 'false'],
        ]);
    });

    it('sends its logs and metrics to the Log Analytics workspace', () => {
        expect(diagnosticSettings(api.root, property(params(site), 'diagnosticSettings'))).toEqual([
            { workspace: 'logAnalyticsId', logs: ['allLogs'], metrics: ['AllMetrics'] },
        ]);
        expect(text(property(params(find(main.root, 'module', 'api')), 'logAnalyticsId'))).toBe(
            'monitoring.outputs.logAnalyticsId',
        );
    });

    it('replaces the app settings instead of merging them with the current ones', () => {
        expect(text(appSettingsConfig(api.root, 'retainCurrentAppSettings'))).toBe('false');
        expect(text(appSettingsConfig(api.root, 'properties'))).toBe('allAppSettings');
        const config = property(params(site), 'configs')?.namedChildren.find((n) => n.type === 'object');
        // These would make the module add AzureWebJobsStorage__accountName and the agent setting itself.
        expect(property(config, 'storageAccountResourceId')).toBeUndefined();
        expect(property(config, 'applicationInsightResourceId')).toBeUndefined();
        expect(property(params(site), 'appSettingsKeyValuePairs')).toBeUndefined();
    });

    it('is deployed only after the role assignments', () => {
        const module = find(main.root, 'module', 'api');
        expect(text(property(bodyObject(module), 'dependsOn'))).toMatch(/^\[\s*rbac\s*\]$/);
    });

    it('is tagged for azd with the service name that azure.yaml uses', () => {
        expect(text(property(params(site), 'tags'))).toMatch(/'azd-service-name':\s*serviceName/);
        expect(literal(find(api.root, 'param', 'serviceName').value)).toBe('api');
        expect(literal(property(params(find(main.root, 'module', 'api')), 'serviceName'))).toBe('api');
    });

    it('connects AzureWebJobsStorage by identity: credential, client id and the three service URIs', () => {
        expect(literal(settings.get('AzureWebJobsStorage__credential')?.value)).toBe('managedidentity');
        expect(setting('AzureWebJobsStorage__clientId')).toBe('identityClientId');
        expect(setting('AzureWebJobsStorage__blobServiceUri')).toBe('stg.properties.primaryEndpoints.blob');
        expect(setting('AzureWebJobsStorage__queueServiceUri')).toBe('stg.properties.primaryEndpoints.queue');
        expect(setting('AzureWebJobsStorage__tableServiceUri')).toBe('stg.properties.primaryEndpoints.table');
        for (const key of [
            'AzureWebJobsStorage__credential',
            'AzureWebJobsStorage__clientId',
            'AzureWebJobsStorage__blobServiceUri',
            'AzureWebJobsStorage__queueServiceUri',
            'AzureWebJobsStorage__tableServiceUri',
        ]) {
            expect(settings.get(key)?.conditional, `${key} must not depend on a condition`).toBe(false);
        }
    });

    it('gives the SDK clients the identity (AZURE_CLIENT_ID) and Power BI the managed identity credential', () => {
        expect(setting('AZURE_CLIENT_ID')).toBe('identityClientId');
        expect(literal(settings.get('POWERBI_CREDENTIAL')?.value)).toBe('managedIdentity');
    });

    it('sends telemetry with Entra ID auth', () => {
        expect(setting('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
            "'ClientId=${identityClientId};Authorization=AAD'",
        );
        expect(setting('APPLICATIONINSIGHTS_CONNECTION_STRING')).toBe(
            'applicationInsights.properties.ConnectionString',
        );
    });

    it('takes the workspace id and refresh schedule from parameters', () => {
        expect(setting('POWERBI_WORKSPACE_ID')).toBe('powerBiWorkspaceId');
        expect(setting('REFRESH_SCHEDULE')).toBe('refreshSchedule');
    });

    it('sets EVENTHOUSE_QUERY_SERVICE_URI from its parameter, only when it is not empty', () => {
        expect(setting('EVENTHOUSE_QUERY_SERVICE_URI')).toBe('eventhouseQueryServiceUri');
        expect(settings.get('EVENTHOUSE_QUERY_SERVICE_URI')?.conditional).toBe(true);
        expect(text(find(api.root, 'var', 'eventhouseAppSettings').value)).toMatch(
            /^empty\(eventhouseQueryServiceUri\)\s*\?\s*\{\}/,
        );
        expect(text(find(api.root, 'param', 'eventhouseQueryServiceUri').value)).toBe("''");
        expect(text(find(main.root, 'param', 'eventhouseQueryServiceUri').value)).toBe("''");
        expect(text(property(params(find(main.root, 'module', 'api')), 'eventhouseQueryServiceUri'))).toBe(
            'eventhouseQueryServiceUri',
        );
    });
});

describe('FC1 plan and azd wiring (main.bicep)', () => {
    it('targets the subscription and tags the resource group with the azd environment', () => {
        expect(main.text).toMatch(/^targetScope = 'subscription'$/m);
        const rg = resourcesOfType(main.root, 'Microsoft.Resources/resourceGroups')[0];
        expect(rg).toBeDefined();
        expect(text(property(bodyObject(rg!), 'tags'))).toBe('tags');
        expect(text(find(main.root, 'var', 'tags').value)).toBe("{ 'azd-env-name': environmentName }");
        expect(text(find(main.root, 'var', 'resourceToken').value)).toBe(
            'toLower(uniqueString(subscription().id, environmentName, location))',
        );
    });

    it('asks azd for a Flex Consumption location and defaults the principal to the deployer', () => {
        const location = find(main.root, 'param', 'location');
        expect(text(decoratorArgument(location, 'metadata'))).toMatch(/azd:\s*\{\s*type:\s*'location'\s*\}/);
        const allowed = decoratorArgument(location, 'allowed');
        expect(allowed?.namedChildren.map((child) => stringLiteral(child))).toEqual(
            expect.arrayContaining(['eastus', 'westeurope', 'swedencentral']),
        );
        expect(text(find(main.root, 'param', 'principalId').value)).toBe('deployer().objectId');
    });

    it('creates an FC1 Flex Consumption plan', () => {
        const plan = find(main.root, 'module', 'appServicePlan');
        expect(plan.target).toBe('br/public:avm/res/web/serverfarm:0.7.0');
        // serverfarm 0.7.0 sets tier FlexConsumption itself for skuName FC1.
        expect(literal(property(params(plan), 'skuName'))).toBe('FC1');
        expect(literal(property(params(plan), 'kind'))).toBe('functionapp');
        expect(text(property(params(plan), 'reserved'))).toBe('true');
    });

    it('outputs what azd and the scripts read', () => {
        const outputs = declarationsOf(main.root, 'output').map((o) => o.name);
        expect(outputs).toEqual(
            expect.arrayContaining([
                'AZURE_LOCATION',
                'AZURE_TENANT_ID',
                'SERVICE_API_NAME',
                'AZURE_FUNCTION_NAME',
                'APPLICATIONINSIGHTS_CONNECTION_STRING',
                'AZURE_STORAGE_BLOB_ENDPOINT',
                'AZURE_STORAGE_QUEUE_ENDPOINT',
                'AZURE_STORAGE_TABLE_ENDPOINT',
                'MANAGED_IDENTITY_PRINCIPAL_ID',
                'MANAGED_IDENTITY_CLIENT_ID',
                'POWERBI_WORKSPACE_ID',
                'EVENTHOUSE_QUERY_SERVICE_URI',
            ]),
        );
        // AZURE_CLIENT_ID in the azd environment would change which identity local credentials pick.
        expect(outputs).not.toContain('AZURE_CLIENT_ID');
    });
});

describe('AVM modules', () => {
    // Each pin, and the parameters checked against the module's main.bicep at that tag: infra/README.md.
    const pinned = new Map([
        ['avm/res/managed-identity/user-assigned-identity', '0.6.0'],
        ['avm/res/web/serverfarm', '0.7.0'],
        ['avm/res/web/site', '0.24.0'],
        ['avm/res/storage/storage-account', '0.33.0'],
        ['avm/res/insights/component', '0.8.0'],
    ]);

    it('lists every pin in infra/README.md with each parameter passed to it', () => {
        const readme = readFileSync(path.join(infraDir, 'README.md'), 'utf8').split('\n');
        for (const file of listBicepFiles()) {
            const { root } = loadBicep(file);
            for (const module of declarationsOf(root, 'module')) {
                const registry = /^br\/public:(.+)$/.exec(module.target ?? '');
                if (!registry) continue;
                const row = readme.find((line) => line.startsWith('|') && line.includes(`\`${registry[1]}\``));
                expect(row, `infra/README.md has no row for ${registry[1]}`).toBeDefined();
                for (const key of properties(params(module)).keys())
                    expect(row, `infra/README.md does not record ${registry[1]} parameter ${key}`).toContain(
                        `\`${key}`,
                    );
            }
        }
    });

    it.each(listBicepFiles())('%s uses only pinned registry modules and existing local modules', (file) => {
        const { root, abs } = loadBicep(file);
        for (const module of declarationsOf(root, 'module')) {
            const target = module.target ?? '';
            const registry = /^br\/public:(.+):(\d+\.\d+\.\d+)$/.exec(target);
            if (registry) {
                expect(pinned.get(registry[1]!), `${file}: ${target}`).toBe(registry[2]);
            } else {
                expect(target.startsWith('br'), `${file}: unpinned registry module ${target}`).toBe(false);
                expect(
                    () => statSync(path.resolve(path.dirname(abs), target)),
                    `${file}: ${target} is missing`,
                ).not.toThrow();
            }
        }
    });
});

// Built-in role definition ids, the same in every tenant.
const roles = {
    storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};

interface Assignment {
    resource: string;
    scope: string;
    principal: string;
    role: string;
    principalType: string;
    condition?: string;
}

function roleAssignments(): Assignment[] {
    const vars = new Map(declarationsOf(rbac.root, 'var').map((v) => [v.name, literal(v.value)]));
    return resourcesOfType(rbac.root, 'Microsoft.Authorization/roleAssignments').map((declaration) => {
        const body = bodyObject(declaration);
        const name = property(body, 'name');
        const scope = text(property(body, 'scope')) ?? '';
        const principal = text(property(body, 'properties.principalId')) ?? '';
        const roleDefinition = text(property(body, 'properties.roleDefinitionId')) ?? '';
        const roleVar =
            /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', (\w+)\)$/.exec(
                roleDefinition,
            )?.[1] ?? '';
        // Deterministic name: guid(<scope>.id, <principal>, <role>) with the same scope, principal and role.
        expect(text(name), `${declaration.name}: name`).toBe(`guid(${scope}.id, ${principal}, ${roleVar})`);
        const principalType = property(body, 'properties.principalType');
        return {
            resource: declaration.name,
            scope,
            principal,
            role: vars.get(roleVar) ?? `unresolved ${roleDefinition}`,
            principalType: literal(principalType) ?? text(principalType) ?? '',
            condition: condition(declaration),
        };
    });
}

describe('role assignments (rbac.bicep)', () => {
    const assignments = roleAssignments();
    const resourceName = (declaration: string): string | undefined => {
        const ref = find(rbac.root, 'resource', declaration);
        return text(property(bodyObject(ref), 'name'));
    };

    it('scopes refer to the storage account and Application Insights', () => {
        expect(resourceName('storageAccount')).toBe('storageAccountName');
        expect(resourceName('applicationInsights')).toBe('applicationInsightsName');
    });

    it.each([
        ['storageAccount', roles.storageBlobDataOwner],
        ['storageAccount', roles.storageQueueDataContributor],
        ['storageAccount', roles.storageTableDataContributor],
        ['applicationInsights', roles.monitoringMetricsPublisher],
    ])('the managed identity holds %s / %s unconditionally', (scope, role) => {
        const found = assignments.filter(
            (a) => a.scope === scope && a.role === role && a.principal === 'managedIdentityPrincipalId',
        );
        expect(found).toHaveLength(1);
        expect(found[0]!.principalType).toBe('ServicePrincipal');
        expect(found[0]!.condition).toBeUndefined();
    });

    it.each([roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor])(
        'the deploying user gets data role %s only behind the bool parameter',
        (role) => {
            const found = assignments.filter(
                (a) => a.scope === 'storageAccount' && a.role === role && a.principal === 'userIdentityPrincipalId',
            );
            expect(found).toHaveLength(1);
            expect(found[0]!.condition).toBe('(grantUser)');
            expect(text(find(rbac.root, 'var', 'grantUser').value)).toBe(
                'allowUserIdentityPrincipal && !empty(userIdentityPrincipalId)',
            );
            expect(text(find(rbac.root, 'param', 'allowUserIdentityPrincipal').value)).toBe('false');
        },
    );

    it('grants nothing else (least privilege)', () => {
        expect(assignments).toHaveLength(7);
        expect(new Set(assignments.map((a) => a.role))).toEqual(new Set(Object.values(roles)));
    });

    it('is wired from main.bicep with the identity principal id and the opt-in flag', () => {
        const module = params(find(main.root, 'module', 'rbac'));
        expect(text(property(module, 'managedIdentityPrincipalId'))).toBe(
            'apiUserAssignedIdentity.outputs.principalId',
        );
        expect(text(property(module, 'allowUserIdentityPrincipal'))).toBe('grantDeployerDataAccess');
        expect(text(find(main.root, 'param', 'grantDeployerDataAccess').value)).toBe('false');
    });
});

describe('queues, tables and blobs', () => {
    const names = JSON.parse(readFileSync(path.join(infraDir, 'app/storage-names.json'), 'utf8')) as {
        queues: Record<string, string>;
        tables: Record<string, string>;
        containers: Record<string, string>;
        rowsBlobRetentionDays: number;
    };

    it('names every queue (with its poison queue), table and container the app uses', () => {
        expect(Object.values(names.queues).sort()).toEqual([
            'pbi-refresh-poll',
            'pbi-refresh-poll-poison',
            'pbi-relay-eventhouse',
            'pbi-relay-eventhouse-poison',
            'pbi-rows',
            'pbi-rows-poison',
        ]);
        expect(Object.values(names.tables).sort()).toEqual([
            'pbiRelayEventhouseLedger',
            'pbiRelayIdempotency',
            'pbiRelayPushGovernor',
            'pbiRelayPushLedger',
            'pbiRelayRefreshLocks',
            'pbiRelayRefreshes',
            'pbiRelayStatus',
        ]);
        expect(Object.values(names.containers)).toEqual(['pbi-rows']);
    });

    it('creates every queue and table from storage-names.json', () => {
        const storage = params(find(main.root, 'module', 'storage'));
        expect(text(property(storage, 'queueServices.queues'))).toBe('storageQueues');
        expect(text(find(main.root, 'var', 'storageQueues').value)).toBe(
            'map(items(storageNames.queues), queue => { name: queue.value })',
        );
        expect(text(property(storage, 'tableServices.tables'))).toBe('storageTables');
        expect(text(find(main.root, 'var', 'storageTables').value)).toBe(
            'map(items(storageNames.tables), table => { name: table.value })',
        );
    });

    it('creates the claim-check container on the account', () => {
        const containers = property(params(find(main.root, 'module', 'storage')), 'blobServices.containers');
        expect(containers?.text).toContain('storageNames.containers.rows');
        expect(text(find(main.root, 'var', 'storageNames').value)).toBe("loadJsonContent('./app/storage-names.json')");
    });

    it('deletes claim-check blobs after the retention period, and only in that container', () => {
        const rules = property(params(find(main.root, 'module', 'storage')), 'managementPolicyRules');
        const rule = rules?.namedChildren.find((n) => n.type === 'object');
        expect(rules?.namedChildren.filter((n) => n.type === 'object')).toHaveLength(1);
        expect(text(property(rule, 'definition.filters.prefixMatch'))).toMatch(
            /^\[\s*'\$\{storageNames\.containers\.rows\}\/'\s*\]$/,
        );
        expect(text(property(rule, 'definition.actions.baseBlob.delete.daysAfterModificationGreaterThan'))).toBe(
            'storageNames.rowsBlobRetentionDays',
        );
        expect(names.rowsBlobRetentionDays).toBeGreaterThanOrEqual(7);
    });
});

describe('monitoring', () => {
    it('masks client IP addresses in Application Insights', () => {
        const insights = find(monitoring.root, 'module', 'applicationInsights');
        expect(text(property(params(insights), 'disableIpMasking'))).toBe('false');
    });

    it('sends the Application Insights metrics to the workspace (its logs are already there)', () => {
        const insights = find(monitoring.root, 'module', 'applicationInsights');
        expect(diagnosticSettings(monitoring.root, property(params(insights), 'diagnosticSettings'))).toEqual([
            { workspace: 'logAnalytics.id', logs: [], metrics: ['AllMetrics'] },
        ]);
    });

    it('disables local auth on Application Insights and Log Analytics', () => {
        const insights = find(monitoring.root, 'module', 'applicationInsights');
        expect(insights.target).toBe('br/public:avm/res/insights/component:0.8.0');
        expect(text(property(params(insights), 'disableLocalAuth'))).toBe('true');
        expect(text(property(params(insights), 'workspaceResourceId'))).toBe('logAnalytics.id');
        const workspace = find(monitoring.root, 'resource', 'logAnalytics');
        expect(text(property(bodyObject(workspace), 'properties.features.disableLocalAuth'))).toBe('true');
    });

    it('alerts on the refresh-failure log line, per dataset and status', () => {
        const [alert] = resourcesOfType(monitoring.root, 'Microsoft.Insights/scheduledQueryRules');
        expect(alert).toBeDefined();
        const body = bodyObject(alert!);
        expect(text(property(body, 'properties.scopes'))).toMatch(/applicationInsights\.outputs\.resourceId/);
        const criterion = property(body, 'properties.criteria.allOf')?.namedChildren.find((n) => n.type === 'object');
        expect(text(property(criterion, 'query'))).toBe('refreshFailedQuery');
        const query = literal(find(monitoring.root, 'var', 'refreshFailedQuery').value) ?? '';
        expect(query).toContain('traces');
        expect(query).toContain('severityLevel >= 3');
        expect(query).toContain('"pbi-relay refresh failed"');
        expect(query).toContain('customDimensions.dataset');
        expect(query).toContain('customDimensions.status');
        const dimensions = property(criterion, 'dimensions')?.namedChildren.map((d) => literal(property(d, 'name')));
        expect(dimensions).toEqual(['dataset', 'status']);
        expect(text(property(criterion, 'operator'))).toBe("'GreaterThan'");
        expect(text(property(criterion, 'threshold'))).toBe('0');
    });

    it('alerts when the oldest message of the rows queue is older than backlogAgeAlertMinutes, per queue', () => {
        const alert = resourcesOfType(monitoring.root, 'Microsoft.Insights/scheduledQueryRules').find(
            (rule) => rule.name === 'backlogAgeAlert',
        );
        expect(alert).toBeDefined();
        const body = bodyObject(alert!);
        expect(text(property(body, 'properties.scopes'))).toMatch(/applicationInsights\.outputs\.resourceId/);
        expect(text(property(body, 'properties.enabled'))).toBe('true');
        const criterion = property(body, 'properties.criteria.allOf')?.namedChildren.find((n) => n.type === 'object');
        expect(text(property(criterion, 'query'))).toBe('backlogAgeQuery');
        const query = literal(find(monitoring.root, 'var', 'backlogAgeQuery').value) ?? '';
        expect(query).toContain('customMetrics');
        expect(query).toContain(`"${metricNames.queueOldestMessageAge}"`);
        expect(query).toContain('customDimensions.queue');
        expect(query).toContain('endswith "-poison"');
        expect(query).toMatch(/summarize ageSeconds = max\(valueMax\) by queue/);
        expect(literal(property(criterion, 'metricMeasureColumn'))).toBe('ageSeconds');
        expect(literal(property(criterion, 'timeAggregation'))).toBe('Maximum');
        expect(property(criterion, 'dimensions')?.namedChildren.map((d) => literal(property(d, 'name')))).toEqual([
            'queue',
        ]);
        expect(literal(property(criterion, 'operator'))).toBe('GreaterThan');
        // The threshold is the parameter in seconds, and main.bicep passes its own parameter through.
        expect(text(property(criterion, 'threshold'))).toBe('backlogAgeAlertMinutes * 60');
        const minutes = find(monitoring.root, 'param', 'backlogAgeAlertMinutes');
        expect(text(decoratorArgument(minutes, 'minValue'))).toBe('1');
        const wiring = find(main.root, 'module', 'monitoring');
        expect(text(property(params(wiring), 'backlogAgeAlertMinutes'))).toBe('backlogAgeAlertMinutes');
        expect(text(find(main.root, 'param', 'backlogAgeAlertMinutes').value)).toBe('15');
    });

    it('adds a workbook over Application Insights with the status page views, on every metric the app emits', () => {
        const [workbook] = resourcesOfType(monitoring.root, 'Microsoft.Insights/workbooks');
        expect(workbook).toBeDefined();
        const body = bodyObject(workbook!);
        expect(literal(property(body, 'kind'))).toBe('shared');
        expect(text(property(body, 'name'))).toMatch(/^guid\(/);
        expect(text(property(body, 'properties.sourceId'))).toBe('applicationInsights.outputs.resourceId');
        expect(text(property(body, 'properties.serializedData'))).toBe(
            "string(loadJsonContent('pbi-relay.workbook.json'))",
        );
        const content = JSON.parse(readFileSync(path.join(infraDir, 'app', 'pbi-relay.workbook.json'), 'utf8')) as {
            version: string;
            items: { type: number; name: string; content: { query?: string } }[];
        };
        expect(content.version).toBe('Notebook/1.0');
        const queries = new Map(
            content.items.filter((item) => item.type === 3).map((item) => [item.name, item.content.query ?? '']),
        );
        expect([...queries.keys()]).toEqual([
            'rowsAcceptedPushed',
            'backlog',
            'oldestAge',
            'addRowsCalls',
            'limits',
            'poison',
            'unknownOutcomes',
            'refreshOutcomes',
            'refreshDurations',
        ]);
        const uses = (view: string, ...names: string[]) => {
            for (const name of names) expect(queries.get(view), `${view} reads ${name}`).toContain(`'${name}'`);
        };
        uses('rowsAcceptedPushed', metricNames.rowsAccepted, metricNames.rowsPushed);
        uses('backlog', metricNames.queueMessages);
        uses('oldestAge', metricNames.queueOldestMessageAge);
        uses('addRowsCalls', metricNames.addRowsCalls);
        uses('limits', metricNames.addRowsCalls, metricNames.rowsPushed);
        uses('poison', metricNames.messagesPoisoned);
        uses('unknownOutcomes', metricNames.unknownOutcomeParts);
        uses('refreshOutcomes', metricNames.refreshes);
        uses('refreshDurations', metricNames.refreshDuration);
        const everyQuery = [...queries.values()].join('\n');
        for (const name of Object.values(metricNames)) expect(everyQuery).toContain(`'${name}'`);
        expect(queries.get('limits')).toContain('callsPerMinuteLimit = 120');
        expect(queries.get('limits')).toContain('rowsPerHourLimit = 1000000');
        expect(queries.get('addRowsCalls')).toContain('customDimensions.outcome');
        for (const query of queries.values()) expect(query).toContain('{TimeRange}');
    });

    it('documents the log contract in infra/README.md', () => {
        const readme = readFileSync(path.join(infraDir, 'README.md'), 'utf8');
        expect(readme).toContain('pbi-relay refresh failed');
        expect(readme).toMatch(/customDimensions/);
    });
});

describe('the tree helpers', () => {
    it('resolve object keys through variables and union(), marking ternary keys conditional', () => {
        const root = parseBicep(
            [
                "var base = { A: 'a' }",
                "var extra = flag ? { B: 'b' } : {}",
                'var all = union(base, extra, { C: 1 })',
            ].join('\n'),
        );
        const keys = objectKeys(root, find(root, 'var', 'all').value!);
        expect(keys.map((k) => [k.key, k.conditional])).toEqual([
            ['A', false],
            ['B', true],
            ['C', false],
        ]);
        expect(properties(find(root, 'var', 'base').value).get('A')?.text).toBe("'a'");
    });
});
