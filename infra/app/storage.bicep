// Storage for the Functions host (timer leases, queue trigger), the product's tables and queue, and the
// Flex Consumption deployment package. Shared keys are off: everything authenticates with Entra ID.
@description('Storage account name: 3-24 lower-case letters and digits.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags for the account.')
param tags object = {}

@description('Blob container the Flex Consumption app is deployed from.')
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // As tight as Flex Consumption allows without a virtual network. The app reaches this account from
    // the platform's shared outbound addresses, which are neither fixed nor covered by the
    // 'AzureServices' bypass (that only admits trusted services such as Azure Monitor), so
    // defaultAction 'Deny' or publicNetworkAccess 'Disabled' would lock the app out of its own
    // host storage, queue and tables. Closing it needs VNet integration plus private endpoints for
    // blob, queue and table (README: Network access, with what that costs). Until then every request
    // still needs an Entra token with a data role: shared keys, anonymous blob access and TLS < 1.2
    // are all off above.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  // The production doctor's queue (functions/runDoctor.ts): an admin drops a message here with their own
  // Entra sign-in; created here so its role assignment (rbac.bicep) has something to scope to.
  resource queueService 'queueServices' = {
    name: 'default'

    resource doctorQueue 'queues' = {
      name: 'doctor-requests'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
