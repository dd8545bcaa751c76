// Log Analytics + workspace-based Application Insights, both with local (key) auth disabled, and the
// alert on failed refreshes.
param location string = resourceGroup().location
param tags object = {}
param logAnalyticsName string
param applicationInsightsName string
param refreshFailedAlertName string
param actionGroupName string
@description('Optional e-mail address for the refresh-failure alert; empty means no action group.')
param alertEmailAddress string = ''

// Plain resource (not the AVM module) so that disableLocalAuth is set explicitly and checkably.
resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
    features: {
      disableLocalAuth: true
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

module applicationInsights 'br/public:avm/res/insights/component:0.8.0' = {
  name: 'applicationInsights'
  params: {
    name: applicationInsightsName
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.id
    disableLocalAuth: true // ingestion only with Entra ID (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
    disableIpMasking: false // the module's default (true) would store callers' full IP addresses
    // Metrics only: this component is workspace-based, so its logs (AppTraces, AppRequests, ...) are already
    // in the workspace; a log diagnostic setting to the same workspace would store each of them twice.
    diagnosticSettings: [
      {
        name: 'to-log-analytics'
        workspaceResourceId: logAnalytics.id
        metricCategories: [
          { category: 'AllMetrics' }
        ]
      }
    ]
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmailAddress)) {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'pbirelay'
    enabled: true
    emailReceivers: [
      {
        name: 'refresh-failures'
        emailAddress: alertEmailAddress
        useCommonAlertSchema: true
      }
    ]
  }
}

// Contract with the app (documented in infra/README.md, "Refresh-failure alert"): a failed, timed-out or
// dropped refresh is logged at error level (traces.severityLevel >= 3) with a message that contains
// "pbi-relay refresh failed", and carries the dataset and the final status either as customDimensions
// `dataset` and `status`, or as `dataset=<id> status=<status>` in the message text.
var refreshFailedQuery = '''
traces
| where severityLevel >= 3
| where message contains "pbi-relay refresh failed"
| extend dataset = coalesce(tostring(customDimensions.dataset), tostring(customDimensions.prop__dataset), extract(@"dataset=(\S+)", 1, message), "unknown")
| extend status = coalesce(tostring(customDimensions.status), tostring(customDimensions.prop__status), extract(@"status=(\S+)", 1, message), "unknown")
| project timestamp, dataset, status, message
'''

resource refreshFailedAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: refreshFailedAlertName
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'pbi-relay: Power BI refresh failed'
    description: 'A scheduled or manual enhanced refresh ended Failed, TimedOut, Cancelled or Dropped (app log "pbi-relay refresh failed"). One alert per dataset and status.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.outputs.resourceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: refreshFailedQuery
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'dataset'
              operator: 'Include'
              values: [
                '*'
              ]
            }
            {
              name: 'status'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: empty(alertEmailAddress) ? [] : [
        actionGroup.id
      ]
    }
  }
}

output logAnalyticsId string = logAnalytics.id
output applicationInsightsName string = applicationInsights.outputs.name
output applicationInsightsId string = applicationInsights.outputs.resourceId
output applicationInsightsConnectionString string = applicationInsights.outputs.connectionString
output refreshFailedAlertName string = refreshFailedAlert.name
