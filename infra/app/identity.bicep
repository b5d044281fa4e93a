// The function app's user-assigned managed identity. Storage, Application Insights and the Microsoft 365
// permissions (infra/grant-permissions.ps1) are all granted to this one principal.
@description('Name of the user-assigned identity.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags for the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
@description('Object id of the identity\'s service principal: what role assignments and grant-permissions.ps1 take.')
output principalId string = identity.properties.principalId
@description('Client (application) id: AZURE_CLIENT_ID and AzureWebJobsStorage__clientId on the app.')
output clientId string = identity.properties.clientId
