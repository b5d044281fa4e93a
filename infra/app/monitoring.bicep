// Log Analytics workspace and workspace-based Application Insights. Local (instrumentation key) auth is
// off: the app sends telemetry with its managed identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING),
// which needs Monitoring Metrics Publisher on the component (app/rbac.bicep).
@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags for both resources.')
param tags object = {}

@description('Days Log Analytics keeps the data.')
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    // Queries and ingestion with Entra ID only: no workspace shared keys. Application Insights writes
    // through its own pipeline and the alert rule queries with its managed identity.
    features: {
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = applicationInsights.name
output connectionString string = applicationInsights.properties.ConnectionString
output logAnalyticsName string = logAnalytics.name
output applicationInsightsId string = applicationInsights.id
