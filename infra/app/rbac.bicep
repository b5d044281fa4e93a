// Azure role assignments for the app's managed identity. Role definition ids are Azure built-ins, the
// same in every subscription (docs: Azure built-in roles, Storage and Monitor sections).
@description('Storage account the app uses for AzureWebJobsStorage, its tables and its queue.')
param storageAccountName string

@description('Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('Object id of the managed identity\'s service principal.')
param principalId string

@description('Object id of the admin who deploys (azd passes AZURE_PRINCIPAL_ID): may run the production doctor and read the ledger. Empty: no admin roles.')
param adminPrincipalId string = ''

// Storage Blob Data Owner: host leases and timer schedule state, the deployment package (Flex Consumption).
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
// Storage Queue Data Contributor: the release-notifications queue, its trigger and the -poison queue.
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
// Storage Table Data Contributor: QuarantineSnapshot and the product's other tables (created on first use).
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
// Monitoring Metrics Publisher: Entra-authenticated telemetry to Application Insights (local auth is off).
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

// Storage Queue Data Message Sender, on the doctor-requests queue only: the admin can ask for a doctor run, nothing else.
var storageQueueDataMessageSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
// Storage Table Data Reader: the admin's npm run told against the deployed ledger (read only).
var storageTableDataReader = '76199698-9eea-4c19-bc75-cec21354c6b6'

var storageRoles = [
  storageBlobDataOwner
  storageQueueDataContributor
  storageTableDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in storageRoles: {
  name: guid(storage.id, principalId, roleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

resource monitoringRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource doctorQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-01-01' existing = {
  name: '${storageAccountName}/default/doctor-requests'
}

// The admin's own Entra sign-in, no key: az storage message put --auth-mode login (README: Check production).
resource adminDoctorAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(adminPrincipalId)) {
  name: guid(doctorQueue.id, adminPrincipalId, storageQueueDataMessageSender)
  scope: doctorQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSender)
    principalId: adminPrincipalId
  }
}

resource adminLedgerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(adminPrincipalId)) {
  name: guid(storage.id, adminPrincipalId, storageTableDataReader)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataReader)
    principalId: adminPrincipalId
  }
}
