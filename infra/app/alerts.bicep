// An Azure Monitor alert that mails HEALTH_RECIPIENTS when the functions fail. The app tells admins about
// problems by email itself, but when sending is what broke (Mail.Send removed, the sender mailbox
// deleted) that email cannot go out: this alert does not depend on the app's own mailbox.
@description('Base name of the action group and the rule.')
param name string

@description('Azure region of the rule (the action group is global).')
param location string = resourceGroup().location

@description('Tags for both resources.')
param tags object = {}

@description('Application Insights component the functions send their telemetry to.')
param applicationInsightsName string

@description('Email addresses to tell; at least one (main.bicep leaves the module out when there are none).')
@minLength(1)
param recipients string[]

@description('How often the rule runs and how far back it looks.')
@allowed([
  'PT5M'
  'PT15M'
  'PT30M'
  'PT1H'
])
param window string = 'PT15M'

@description('Failed function runs in one window that fire the alert.')
@minValue(1)
param threshold int = 1

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${name}'
  location: 'global'
  tags: tags
  properties: {
    // Shown as the sender's name in SMS and some mail clients; 12 characters at most.
    groupShortName: 'qrn-health'
    enabled: true
    emailReceivers: [for (address, i) in recipients: {
      name: 'health-${i}'
      emailAddress: address
      useCommonAlertSchema: true
    }]
  }
}

// Function executions show up in Application Insights as requests (one per invocation, success false
// when it threw) and their errors as exceptions. Either in the window means a run failed. A tenant's
// snapshot, detection or report run does not throw (the queue would retry it at once, five times,
// against a tenant that cannot answer; the next tick is its retry): its one error trace counts instead.
var failureQuery = '''
union
  (requests | where success == false | project timestamp, operation_Name, what = strcat('failed run: ', resultCode)),
  (exceptions | project timestamp, operation_Name, what = strcat('exception: ', type, ': ', outerMessage)),
  (traces | where message startswith 'tenant run failed' | project timestamp, operation_Name, what = substring(message, 0, 200))
| summarize failures = count(), examples = make_set(what, 5) by operation_Name
'''

resource failureAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-${name}-function-failures'
  location: location
  tags: tags
  kind: 'LogAlert'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    displayName: 'quarantine-release-notifier: function runs failing'
    description: 'A snapshot, release detection or notification run failed. Open Application Insights (failures) or run npm run doctor; the app health email names the cause when it can still send.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: window
    windowSize: window
    criteria: {
      allOf: [
        {
          query: failureQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          dimensions: [
            {
              name: 'operation_Name'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThanOrEqual'
          threshold: threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    // Stateful: one mail when it starts failing, one when a window passes without failures; no repeat
    // every window while it lasts.
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// The rule queries Application Insights with its own identity (the component has local auth off).
var monitoringReader = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'

resource alertReadsTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, failureAlert.id, monitoringReader)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReader)
    principalId: failureAlert.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output actionGroupId string = actionGroup.id
output alertRuleId string = failureAlert.id
