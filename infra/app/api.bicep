// The pbi-relay function app: Flex Consumption (FC1), Node 22, user-assigned managed identity, and every
// app setting that src/config/settings.ts requires (test/infra/settings.test.ts keeps the two in step).
// Identity-based connections only: no account keys, no connection strings with secrets.
param name string
param location string = resourceGroup().location
param tags object = {}
@description('azd finds the deploy target by this tag; it must match the service name in azure.yaml.')
param serviceName string = 'api'
param appServicePlanId string
param applicationInsightsName string
param storageAccountName string
@description('Resource id of the Log Analytics workspace that receives the app\'s diagnostic logs and metrics.')
param logAnalyticsId string
param deploymentStorageContainerName string
@description('Resource id of the user-assigned managed identity.')
param identityId string
@description('Client (application) id of the user-assigned managed identity.')
param identityClientId string
@description('GUID of the Power BI workspace that holds the datasets.')
param powerBiWorkspaceId string
@description('Schedule of refresh targets that name none (NCRONTAB read in the target timeZone, or hh:mm:ss).')
param refreshSchedule string
@description('Query service URI of the Fabric Eventhouse; the app setting EVENTHOUSE_QUERY_SERVICE_URI only when not empty.')
param eventhouseQueryServiceUri string = ''
@description('Extra app settings; the settings below win on a name clash.')
param extraAppSettings object = {}
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100

var storageNames = loadJsonContent('storage-names.json')

resource stg 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// The Functions host's own storage (triggers, timers, keys) and the relay's Storage clients, through the
// user-assigned identity. Never AzureWebJobsStorage itself: that name would hold a connection string.
var storageAppSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: stg.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: stg.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: stg.properties.primaryEndpoints.table
}

// Application Insights ingestion with Entra ID (local auth is disabled on the component).
// The connection string carries no secret: it identifies the component and its ingestion endpoint.
var monitoringAppSettings = {
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
}

var relayAppSettings = {
  // @azure/identity's ManagedIdentityCredential picks the user-assigned identity by this client id.
  AZURE_CLIENT_ID: identityClientId
  POWERBI_CREDENTIAL: 'managedIdentity'
  POWERBI_WORKSPACE_ID: powerBiWorkspaceId
  REFRESH_SCHEDULE: refreshSchedule
  ROWS_QUEUE: storageNames.queues.rows
  ROWS_CONTAINER: storageNames.containers.rows
  PUSH_LEDGER_TABLE: storageNames.tables.pushLedger
  PUSH_GOVERNOR_TABLE: storageNames.tables.pushGovernor
  REFRESH_QUEUE: storageNames.queues.refreshPoll
  REFRESH_TABLE: storageNames.tables.refreshes
  REFRESH_LOCK_TABLE: storageNames.tables.refreshLocks
  IDEMPOTENCY_TABLE: storageNames.tables.idempotency
  STATUS_TABLE: storageNames.tables.status
  EVENTHOUSE_QUEUE: storageNames.queues.eventhouse
  EVENTHOUSE_LEDGER_TABLE: storageNames.tables.eventhouseLedger
}

// Set only when given: an empty EVENTHOUSE_QUERY_SERVICE_URI would read as no default Eventhouse anyway, and an
// absent one keeps the app's settings free of a value nobody chose.
var eventhouseAppSettings = empty(eventhouseQueryServiceUri)
  ? {}
  : {
      EVENTHOUSE_QUERY_SERVICE_URI: eventhouseQueryServiceUri
    }

var allAppSettings = union(
  extraAppSettings,
  storageAppSettings,
  monitoringAppSettings,
  eventhouseAppSettings,
  relayAppSettings
)

module api 'br/public:avm/res/web/site:0.24.0' = {
  name: '${serviceName}-flex-consumption'
  params: {
    kind: 'functionapp,linux'
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': serviceName })
    serverFarmResourceId: appServicePlanId
    managedIdentities: {
      systemAssigned: false
      userAssignedResourceIds: [
        identityId
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${stg.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      alwaysOn: false
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    // The app settings are exactly these: retainCurrentAppSettings (default true) would merge in the app's
    // current settings, so a setting removed here would linger on the app. No storageAccountResourceId or
    // applicationInsightResourceId either: those make the module add its own storage and agent settings.
    configs: [
      {
        name: 'appsettings'
        retainCurrentAppSettings: false
        properties: allAppSettings
      }
    ]
    // No basic (user name and password) publishing: azd deploys with Entra ID. The module's default is allow.
    basicPublishingCredentialsPolicies: [
      {
        name: 'scm'
        allow: false
      }
      {
        name: 'ftp'
        allow: false
      }
    ]
    diagnosticSettings: [
      {
        name: 'to-log-analytics'
        workspaceResourceId: logAnalyticsId
        logCategoriesAndGroups: [
          { categoryGroup: 'allLogs' }
        ]
        metricCategories: [
          { category: 'AllMetrics' }
        ]
      }
    ]
  }
}

output SERVICE_API_NAME string = api.outputs.name
output defaultHostname string = api.outputs.defaultHostname
