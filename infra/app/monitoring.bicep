// Log Analytics + workspace-based Application Insights, both with local (key) auth disabled, the alerts on
// failed refreshes and on the age of the rows backlog, and the pbi-relay workbook.
param location string = resourceGroup().location
param tags object = {}
param logAnalyticsName string
param applicationInsightsName string
param refreshFailedAlertName string
param actionGroupName string
param backlogAgeAlertName string
@description('Optional e-mail address for the alerts; empty means no action group.')
param alertEmailAddress string = ''
@description('The backlog alert fires when the oldest visible message of the rows queue is older than this.')
@minValue(1)
param backlogAgeAlertMinutes int = 15

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

// Contract with the app (README.md, "Metrics"): every instance reports the gauge pbi_relay.queue.oldest_message_age
// (seconds) per queue, dimension customDimensions.queue, once a minute. The poison queue is left out: its
// messages wait for an operator (npm run replay-poison) and the workbook shows them.
var backlogAgeQuery = '''
customMetrics
| where name == "pbi_relay.queue.oldest_message_age"
| extend queue = tostring(customDimensions.queue)
| where not(queue endswith "-poison")
| summarize ageSeconds = max(valueMax) by queue
'''

resource backlogAgeAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: backlogAgeAlertName
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'pbi-relay: rows waiting too long'
    description: 'The oldest visible message of the rows queue is older than ${backlogAgeAlertMinutes} minutes (metric pbi_relay.queue.oldest_message_age): rows are accepted faster than they reach Power BI, or delivery is stuck.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.outputs.resourceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT10M'
    criteria: {
      allOf: [
        {
          query: backlogAgeQuery
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'ageSeconds'
          dimensions: [
            {
              name: 'queue'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: backlogAgeAlertMinutes * 60
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

// The same views as the status page, from the relay's metrics; the queries are in pbi-relay.workbook.json.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, applicationInsightsName, 'pbi-relay-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'pbi-relay'
    category: 'workbook'
    sourceId: applicationInsights.outputs.resourceId
    serializedData: string(loadJsonContent('pbi-relay.workbook.json'))
    version: 'Notebook/1.0'
  }
}

output backlogAgeAlertName string = backlogAgeAlert.name
output workbookId string = workbook.id
