// pbi-relay: everything `azd up` (or `az deployment sub create`) provisions.
// Layout follows Azure-Samples/functions-quickstart-typescript-azd; see infra/README.md for the guide.
// Nothing here uses an account key or a connection string with a secret: the app's user-assigned
// managed identity reaches Storage, Application Insights and Power BI.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to name the resource group and to derive a short unique token for resource names.')
param environmentName string

@minLength(1)
@description('Primary location for all resources. Restricted to regions that offer the Flex Consumption plan.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@minLength(36)
@maxLength(36)
@description('GUID of the Power BI workspace (group) that holds the push datasets and the refresh targets. Set it with `azd env set POWERBI_WORKSPACE_ID <guid>`.')
param powerBiWorkspaceId string

@description('Schedule of refresh targets that name none (NCRONTAB read in the target timeZone, or hh:mm:ss). Empty means the default below.')
param refreshSchedule string = ''

@description('Query service URI of the Fabric Eventhouse (https://<id>.<region>.kusto.fabric.microsoft.com) for datasets whose eventhouse names none; becomes the app setting EVENTHOUSE_QUERY_SERVICE_URI when set. Set it with `azd env set EVENTHOUSE_QUERY_SERVICE_URI <Query URI>`.')
param eventhouseQueryServiceUri string = ''

@description('Object id of the deploying user or principal; receives the optional data roles below. azd passes AZURE_PRINCIPAL_ID.')
param principalId string = deployer().objectId

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principal that principalId names. azd sets it (AZURE_PRINCIPAL_TYPE) from the account it is signed in with: ServicePrincipal when deploying from CI.')
param principalType string = 'User'

@description('Also give the deploying principal the Storage data roles (blob, queue, table), for local runs and inspection against the cloud storage. Off by default: least privilege.')
param grantDeployerDataAccess bool = false

@description('Optional e-mail address that receives the refresh-failure and backlog alerts. Empty: the alerts fire in Azure Monitor without notifications.')
param alertEmailAddress string = ''

@description('The backlog alert fires when rows have waited in the queue longer than this many minutes.')
@minValue(1)
param backlogAgeAlertMinutes int = 15

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
@description('Redundancy of the storage account (queues, tables, claim-check blobs, the deployment package). LRS as the Functions quickstart; ZRS or GZRS where the region offers them and the data must survive a zone or region outage.')
param storageSkuName string = 'Standard_LRS'

@description('Optional overrides of generated resource names.')
param resourceGroupName string = ''
param apiServiceName string = ''
param apiUserAssignedIdentityName string = ''
param appServicePlanName string = ''
param storageAccountName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''

var abbrs = loadJsonContent('./abbreviations.json')
var storageNames = loadJsonContent('./app/storage-names.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
// Every hour on the hour; the refresh targets in pbi-relay.config.json choose which models run.
var defaultRefreshSchedule = '0 0 * * * *'
var functionAppName = !empty(apiServiceName) ? apiServiceName : '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The app's only identity: Storage (AzureWebJobsStorage and the relay's own clients), Application Insights
// ingestion, and Power BI (after the Power BI side is granted, see infra/README.md).
module apiUserAssignedIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.6.0' = {
  name: 'apiUserAssignedIdentity'
  scope: rg
  params: {
    name: !empty(apiUserAssignedIdentityName) ? apiUserAssignedIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

// The module turns skuName 'FC1' into sku { name: 'FC1', tier: 'FlexConsumption' } (serverfarm 0.7.0 main.bicep).
module appServicePlan 'br/public:avm/res/web/serverfarm:0.7.0' = {
  name: 'appserviceplan'
  scope: rg
  params: {
    name: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
    skuName: 'FC1'
    kind: 'functionapp'
    reserved: true // Linux
    zoneRedundant: false
    location: location
    tags: tags
  }
}

// Every diagnostic setting sends to the one Log Analytics workspace. `allLogs` is the category group that
// each of these resource types offers (blob/queue/table: StorageRead, StorageWrite, StorageDelete; the
// function app: FunctionAppLogs and the platform's other logs); AllMetrics every metric.
var logsAndMetricsToWorkspace = [
  {
    name: 'to-log-analytics'
    workspaceResourceId: monitoring.outputs.logAnalyticsId
    logCategoriesAndGroups: [
      { categoryGroup: 'allLogs' }
    ]
    metricCategories: [
      { category: 'AllMetrics' }
    ]
  }
]

// Queues (with their -poison queues: the Functions host would create them on demand, but with them in place
// the deployment owns every queue and the README can point at them before the first failure) and tables,
// named in storage-names.json, which api.bicep shares: an app setting can never name a queue or table that
// the deployment did not create.
var storageQueues = map(items(storageNames.queues), queue => { name: queue.value })
var storageTables = map(items(storageNames.tables), table => { name: table.value })

module storage 'br/public:avm/res/storage/storage-account:0.33.0' = {
  name: 'storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    skuName: storageSkuName
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // no account keys: every client uses Entra ID (RBAC in app/rbac.bicep)
    defaultToOAuthAuthentication: true // the portal and tools use Entra ID too
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        { name: deploymentStorageContainerName }
        { name: storageNames.containers.rows } // claim-check payloads of large ingests
      ]
      diagnosticSettings: logsAndMetricsToWorkspace
    }
    queueServices: {
      queues: storageQueues
      diagnosticSettings: logsAndMetricsToWorkspace
    }
    tableServices: {
      tables: storageTables
      diagnosticSettings: logsAndMetricsToWorkspace
    }
    // Claim-check row payloads are read once by the push function; anything older is garbage. Scoped by
    // prefix to the rows container, so the deployment-package container is never touched.
    managementPolicyRules: [
      {
        name: 'delete-old-row-payloads'
        enabled: true
        type: 'Lifecycle'
        definition: {
          filters: {
            blobTypes: [
              'blockBlob'
            ]
            prefixMatch: [
              '${storageNames.containers.rows}/'
            ]
          }
          actions: {
            baseBlob: {
              delete: {
                daysAfterModificationGreaterThan: storageNames.rowsBlobRetentionDays
              }
            }
          }
        }
      }
    ]
    // The account itself has metrics only (its logs are the services' above).
    diagnosticSettings: [
      {
        name: 'to-log-analytics'
        workspaceResourceId: monitoring.outputs.logAnalyticsId
        metricCategories: [
          { category: 'AllMetrics' }
        ]
      }
    ]
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
    refreshFailedAlertName: '${abbrs.insightsScheduledQueryRules}refresh-failed-${resourceToken}'
    backlogAgeAlertName: '${abbrs.insightsScheduledQueryRules}backlog-age-${resourceToken}'
    backlogAgeAlertMinutes: backlogAgeAlertMinutes
    actionGroupName: '${abbrs.insightsActionGroups}pbi-relay-${resourceToken}'
    alertEmailAddress: alertEmailAddress
  }
}

// After the role assignments: the deployment-package container is written with the identity, and a first
// `azd up` must not reach it before Storage Blob Data Owner exists (the postprovision hook then waits until
// it is in effect, see infra/README.md).
module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  dependsOn: [
    rbac
  ]
  params: {
    name: functionAppName
    location: location
    tags: tags
    serviceName: 'api'
    appServicePlanId: appServicePlan.outputs.resourceId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    storageAccountName: storage.outputs.name
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    deploymentStorageContainerName: deploymentStorageContainerName
    identityId: apiUserAssignedIdentity.outputs.resourceId
    identityClientId: apiUserAssignedIdentity.outputs.clientId
    powerBiWorkspaceId: powerBiWorkspaceId
    refreshSchedule: !empty(refreshSchedule) ? refreshSchedule : defaultRefreshSchedule
    eventhouseQueryServiceUri: eventhouseQueryServiceUri
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbacAssignments'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    managedIdentityPrincipalId: apiUserAssignedIdentity.outputs.principalId
    userIdentityPrincipalId: principalId
    userIdentityPrincipalType: principalType
    allowUserIdentityPrincipal: grantDeployerDataAccess
  }
}

// azd writes these outputs to .azure/<env>/.env; hooks and `npm run grant-powerbi-access` read them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.SERVICE_API_NAME
output AZURE_FUNCTION_NAME string = api.outputs.SERVICE_API_NAME
output AZURE_FUNCTION_URL string = 'https://${api.outputs.defaultHostname}'
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_ACCOUNT_ID string = storage.outputs.resourceId
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.serviceEndpoints.blob
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.serviceEndpoints.queue
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.serviceEndpoints.table
// Deliberately not AZURE_CLIENT_ID: that name in the azd environment would steer local credentials.
output MANAGED_IDENTITY_CLIENT_ID string = apiUserAssignedIdentity.outputs.clientId
output MANAGED_IDENTITY_PRINCIPAL_ID string = apiUserAssignedIdentity.outputs.principalId
output MANAGED_IDENTITY_NAME string = apiUserAssignedIdentity.outputs.name
output POWERBI_WORKSPACE_ID string = powerBiWorkspaceId
output EVENTHOUSE_QUERY_SERVICE_URI string = eventhouseQueryServiceUri
output REFRESH_FAILED_ALERT_NAME string = monitoring.outputs.refreshFailedAlertName
output BACKLOG_AGE_ALERT_NAME string = monitoring.outputs.backlogAgeAlertName
output WORKBOOK_ID string = monitoring.outputs.workbookId
