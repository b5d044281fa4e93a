// The Flex Consumption plan and function app, and every app setting it runs with.
// Product settings arrive in appSettings (built in main.bicep); the host/platform ones are set here.
// Not set on purpose: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION (Flex Consumption takes the
// runtime from functionAppConfig and rejects them), WEBSITE_RUN_FROM_PACKAGE (deployment uses the container),
// and any AzureWebJobsStorage connection string (shared keys are disabled on the account).
@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption (FC1) plan.')
param planName string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags; the app also gets azd-service-name.')
param tags object = {}

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Storage account for AzureWebJobsStorage and the deployment package.')
param storageAccountName string

@description('Blob container the deployment package is uploaded to.')
param deploymentStorageContainerName string

@description('Application Insights component for telemetry.')
param applicationInsightsName string

@description('Product settings (SETTING_NAMES in shared/config/settings.ts), merged with the platform settings below.')
param appSettings object

@description('Node.js version (22: see main.bicep).')
@allowed([
  '22'
])
param nodeVersion string = '22'

// Flex Consumption scales each non-HTTP function on its own backlog; this caps all of them together.
@description('Most instances the app scales out to (Flex Consumption: 40-1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// In Azure public cloud the account name is enough (the host and shared/config/settings.ts derive
// *.core.windows.net URLs from it). Elsewhere (Azure Government for GCC High) the service URLs must be
// explicit, and __accountName must then be absent: hosts that see both can fail to build a client.
var storageIsPublicCloud = environment().name == 'AzureCloud'
var storageAppSettings = storageIsPublicCloud ? {
  AzureWebJobsStorage__accountName: storage.name
} : {
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
}

var identityAppSettings = {
  // Identity-based AzureWebJobsStorage: the host, the queue trigger and the product's own table and
  // queue clients all use the user-assigned identity.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // DefaultAzureCredential picks the user-assigned identity for the Microsoft 365 tokens (Exchange,
  // Management Activity API, Graph).
  AZURE_CLIENT_ID: identityClientId
  // Telemetry with Entra auth: the component has local auth disabled.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2023-12-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
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
        version: nodeVersion
      }
    }
  }

  resource configAppSettings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, storageAppSettings, identityAppSettings)
  }

  // No user name and password for the SCM (Kudu) and FTP endpoints: azd deploys to the Flex Consumption
  // container with Entra ID, so basic publishing credentials would only be a second, weaker way in.
  resource scmBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }

  resource ftpBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
