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

@description('Object id of the deploying user or principal; receives the optional data roles below. azd passes AZURE_PRINCIPAL_ID.')
param principalId string = deployer().objectId

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principal that principalId names (ServicePrincipal when deploying from CI).')
param principalType string = 'User'

@description('Also give the deploying principal the Storage data roles (blob, queue, table), for local runs and inspection against the cloud storage. Off by default: least privilege.')
param grantDeployerDataAccess bool = false

@description('Optional e-mail address that receives the refresh-failure alert. Empty: the alert fires in Azure Monitor without notifications.')
param alertEmailAddress string = ''

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
module apiUserAssignedIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'apiUserAssignedIdentity'
  scope: rg
  params: {
    name: !empty(apiUserAssignedIdentityName) ? apiUserAssignedIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'appserviceplan'
  scope: rg
  params: {
    name: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // no account keys: every client uses Entra ID (RBAC in app/rbac.bicep)
    minimumTlsVersion: 'TLS1_2'
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
    }
  }
}

// Queues, tables and the blob lifecycle rule, as plain resources on the account above.
module storageData 'app/storage-data.bicep' = {
  name: 'storageData'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
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
    actionGroupName: '${abbrs.insightsActionGroups}pbi-relay-${resourceToken}'
    alertEmailAddress: alertEmailAddress
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    serviceName: 'api'
    appServicePlanId: appServicePlan.outputs.resourceId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    storageAccountName: storageData.outputs.storageAccountName
    deploymentStorageContainerName: deploymentStorageContainerName
    identityId: apiUserAssignedIdentity.outputs.resourceId
    identityClientId: apiUserAssignedIdentity.outputs.clientId
    powerBiWorkspaceId: powerBiWorkspaceId
    refreshSchedule: !empty(refreshSchedule) ? refreshSchedule : defaultRefreshSchedule
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
output AZURE_STORAGE_ACCOUNT_NAME string = storageData.outputs.storageAccountName
output AZURE_STORAGE_BLOB_ENDPOINT string = storageData.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storageData.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storageData.outputs.tableEndpoint
// Deliberately not AZURE_CLIENT_ID: that name in the azd environment would steer local credentials.
output MANAGED_IDENTITY_CLIENT_ID string = apiUserAssignedIdentity.outputs.clientId
output MANAGED_IDENTITY_PRINCIPAL_ID string = apiUserAssignedIdentity.outputs.principalId
output MANAGED_IDENTITY_NAME string = apiUserAssignedIdentity.outputs.name
output POWERBI_WORKSPACE_ID string = powerBiWorkspaceId
output REFRESH_FAILED_ALERT_NAME string = monitoring.outputs.refreshFailedAlertName
