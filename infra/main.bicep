// quarantine-release-notifier: Azure side of the deployment (azd up).
// Subscription scope, like Azure-Samples/functions-quickstart-typescript-azd: one resource group holding a
// Flex Consumption function app (Node 22), its user-assigned identity, a storage account without shared keys,
// and Log Analytics + Application Insights with local auth off.
// Microsoft 365 permissions for the identity are granted afterwards by infra/grant-permissions.ps1.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds the unique suffix of every resource.')
param environmentName string

@minLength(1)
@description('Azure region for all resources. It must offer the Flex Consumption plan: az functionapp list-flexconsumption-locations.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or reuse. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

// ---------------------------------------------------------------------------------------------------
// Product settings. Each one becomes the app setting of the same name (declared once in
// shared/config/schema.ts); test/infra/settings-consistency.test.ts keeps the two in step.
//
// A string parameter mapped in main.parameters.json to an unset azd variable can arrive as '' instead of
// its declared default, so every optional string defaults to '' and productDefaults (which mirrors
// the schema defaults in shared/config/schema.ts) fills it in here, whichever way azd passes it.
//
// Endpoints: public-cloud values by default. GCC High tenants set
//   EXCHANGE_ENDPOINT   = https://outlook.office365.us
//   MANAGEMENT_ENDPOINT = https://manage.office365.us
//   GRAPH_ENDPOINT      = https://graph.microsoft.us
// and deploy into an Azure Government subscription of the same tenant (azd config set cloud.name
// AzureUSGovernment). AZURE_AUTHORITY_HOST stays empty there too: the managed identity needs no sign-in host.
// ---------------------------------------------------------------------------------------------------

@minLength(36)
@maxLength(36)
@description('Microsoft 365 tenant id (GUID) whose quarantine is watched (M365_TENANT_ID). It must be the tenant of this Azure subscription: a managed identity only gets tokens in its own tenant.')
param m365TenantId string

@minLength(3)
@description('Mailbox the notifications are sent from (NOTIFY_SENDER_MAILBOX), e.g. quarantine-notices@contoso.com. grant-permissions.ps1 scopes Mail.Send to this one mailbox.')
param notifySenderMailbox string

@description('Exchange Online admin endpoint origin (EXCHANGE_ENDPOINT). Empty: https://outlook.office365.com. GCC High: https://outlook.office365.us.')
param exchangeEndpoint string = ''

@description('Office 365 Management Activity API origin (MANAGEMENT_ENDPOINT). Empty: https://manage.office.com. GCC High: https://manage.office365.us.')
param managementEndpoint string = ''

@description('Microsoft Graph origin (GRAPH_ENDPOINT). Empty: https://graph.microsoft.com. GCC High: https://graph.microsoft.us.')
param graphEndpoint string = ''

@description('Sign-in host (AZURE_AUTHORITY_HOST). Leave empty in Azure; only for the simulator or a non-public cloud outside managed identity. Not set on the app when empty.')
param azureAuthorityHost string = ''

@description('NCRONTAB schedule of the quarantine snapshot, seconds first (SNAPSHOT_SCHEDULE). Empty: 0 */15 * * * *.')
param snapshotSchedule string = ''

@description('NCRONTAB schedule of release detection, seconds first (RELEASES_SCHEDULE). Empty: 0 */10 * * * *.')
param releasesSchedule string = ''

@description('Ignore releases before this ISO-8601 instant with a zone, e.g. 2026-01-31T00:00:00Z (NOTIFY_RELEASES_SINCE). Empty: the time of the first run, so nothing released before the app started is told.')
param notifyReleasesSince string = ''

@description('Most notifications sent per minute from the sender mailbox, 1-10000 (NOTIFY_MAX_PER_MINUTE). Empty: 30, the Exchange Online per-mailbox limit.')
param notifyMaxPerMinute string = ''

@description('Most emails a day from the sender mailbox, 1-10000 (NOTIFY_MAX_PER_DAY); the rest waits for the next UTC day. Empty: 3000 (Exchange blocks a mailbox past 10,000 recipients a day).')
param notifyMaxPerDay string = ''

@description('Keep a copy of each notification in the sender mailbox Sent Items (NOTIFY_SAVE_TO_SENT_ITEMS): how a send whose answer was lost is found again. Off means at-least-once.')
param notifySaveToSentItems bool = true

@description('Decide and log who would be notified, but send nothing (NOTIFY_DRY_RUN).')
param notifyDryRun bool = false

@allowed([
  ''
  'drop'
  'tell'
])
@description('Once NOTIFY_DRY_RUN is off, what happens to the releases the dry run saw: drop (recorded as told, nobody mailed) or tell (their senders are told after all, within 7 days of the release) (DRY_RUN_RELEASES_AFTER). Empty: drop.')
param dryRunReleasesAfter string = ''

@maxLength(200)
@description('Subject template; {subject} is the original subject (NOTIFY_SUBJECT). Empty: the built-in subject of NOTIFY_LANGUAGE.')
param notifySubject string = ''

@description('Opening paragraph of the notification (NOTIFY_INTRO). Empty: the built-in text.')
param notifyIntro string = ''

@description('Closing paragraph of the notification (NOTIFY_FOOTER). Empty: the built-in text.')
param notifyFooter string = ''

@description('Language of the built-in texts: en, de, fr, es or nl (NOTIFY_LANGUAGE). Empty: en.')
param notifyLanguage string = ''

@description('IANA time zone every time in the notification is shown in, e.g. Europe/Berlin (NOTIFY_TIME_ZONE). Empty: UTC.')
param notifyTimeZone string = ''

@description('Events told to the sender: released, held, deleted, expired, separated by commas (NOTIFY_ON). Empty: released.')
param notifyOn string = ''

@description('Quarantine types and/or policy names whose holds are told to the sender, e.g. DataLossPrevention (NOTIFY_HOLD_POLICIES). Empty: none.')
param notifyHoldPolicies string = ''

@description('Service providers: client id of the multi-tenant app registration whose federated credential is the app\'s user-assigned identity (MULTI_TENANT_APP_ID). Empty: one tenant.')
param multiTenantAppId string = ''

@description('A mailto: address or https:// link a sender can use to ask for a review, shown in hold notices (NOTIFY_REVIEW_CONTACT). Empty: none.')
param notifyReviewContact string = ''

@description('Minutes a release seen only in the quarantine listing waits for its audit record, 0-10080 (RELEASE_AUDIT_WAIT_MINUTES). Empty: 90.')
param releaseAuditWaitMinutes string = ''

@description('Show the releasing admin address in the notification (NOTIFY_SHOW_RELEASER). false: "An administrator".')
param notifyShowReleaser bool = true

@description('Show the quarantine policy name in the notification (NOTIFY_SHOW_POLICY). false: only the kind of hold.')
param notifyShowPolicy bool = true
@description('Security team addresses (comma or semicolon separated) that get alerts about risky releases (ALERT_RECIPIENTS). Empty or off: alerts are off.')
param alertRecipients string = ''

@description('Quarantine types whose release raises an alert, comma separated, or off (ALERT_RISKY_TYPES). Empty: Malware,HighConfPhish,Phish.')
param alertRiskyTypes string = ''

@description('More releases than this by one account within 60 minutes raise one alert, 0 = off (ALERT_BURST_RELEASES). Empty: 20.')
param alertBurstReleases string = ''

@description('Alert when a risky message is released to a mailbox that was not a recipient (ALERT_RELEASED_TO_OTHER).')
param alertReleasedToOther bool = true

@description('Minutes a problem lasts before HEALTH_RECIPIENTS are mailed, 0 = at the first failing run (HEALTH_ALERT_AFTER_MINUTES). Empty: 120.')
param healthAlertAfterMinutes string = ''

@description('Addresses (comma or semicolon separated) told when the app cannot do its job (HEALTH_RECIPIENTS), or off for nobody. They also get the Azure Monitor alert on function failures. Empty: the ALERT_RECIPIENTS, and the alert goes to them.')
param healthRecipients string = ''

@description('Addresses (comma or semicolon separated) that get the weekly quarantine activity report by email (REPORT_RECIPIENTS). Empty or off: no report email.')
param reportRecipients string = ''

@description('NCRONTAB schedule of the activity report email, seconds first (REPORT_SCHEDULE). Empty: 0 0 7 * * 1 (Mondays 07:00 UTC).')
param reportSchedule string = ''

// As Azure-Samples/functions-quickstart-typescript-azd does: the deploying principal by default.
@description('Object id of the admin who deploys: gets the roles to run the production doctor and read the ledger. Default: whoever runs the deployment. Empty: none.')
param principalId string = deployer().objectId

// ---------------------------------------------------------------------------------------------------
// Hosting
// ---------------------------------------------------------------------------------------------------

// Node 22 only: @azure/identity 4.14 and @azure/storage-queue 12.32 require it, and Node 20 reached end of
// life on 2026-04-30 (package.json engines says the same).
@description('Node.js version of the Flex Consumption runtime.')
@allowed([
  '22'
])
param nodeVersion string = '22'

// Flex Consumption scales per function: each queue-triggered function (sendNotification on
// release-notifications, runTenantStage on tenant-runs, the doctor) gets instances for its own backlog,
// independently of the others, and the timers need one. maximumInstanceCount caps the app as a whole.
// Flex Consumption accepts 40 to 1000. One tenant needs few instances (timers run once, the queue is
// paced), so the lower end of that range is plenty, but the platform refuses anything below it. A
// service provider's deployment runs one tenant-runs message per tenant per stage in parallel; each
// stage of one tenant is sequential (a lease), so raising this lets more tenants run at once, and
// lowering it back (never under 40) bounds what a burst of tenants can cost. azd: MAXIMUM_INSTANCE_COUNT.
@description('Most instances the Flex Consumption app scales out to, all functions together (40-1000). azd variable MAXIMUM_INSTANCE_COUNT.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

// Each instance is one Functions host; memory also sets its CPU share and its GB-second price.
@description('Memory per instance in MB (512, 2048 or 4096). azd variable INSTANCE_MEMORY_MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-qrn-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

// Mirrors the defaults in shared/config/schema.ts (the test compares them; booleans are bool parameters).
var productDefaults = {
  EXCHANGE_ENDPOINT: 'https://outlook.office365.com'
  MANAGEMENT_ENDPOINT: 'https://manage.office.com'
  GRAPH_ENDPOINT: 'https://graph.microsoft.com'
  SNAPSHOT_SCHEDULE: '0 */15 * * * *'
  RELEASES_SCHEDULE: '0 */10 * * * *'
  NOTIFY_MAX_PER_MINUTE: '30'
  NOTIFY_MAX_PER_DAY: '3000'
  ALERT_RISKY_TYPES: 'Malware,HighConfPhish,Phish'
  ALERT_BURST_RELEASES: '20'
  HEALTH_ALERT_AFTER_MINUTES: '120'
  NOTIFY_LANGUAGE: 'en'
  NOTIFY_TIME_ZONE: 'UTC'
  DRY_RUN_RELEASES_AFTER: 'drop'
  REPORT_SCHEDULE: '0 0 7 * * 1'
  NOTIFY_ON: 'released'
  RELEASE_AUDIT_WAIT_MINUTES: '90'
}

// Optional texts are set as '' when empty: the product reads an empty setting as unset.
var productAppSettings = {
  M365_TENANT_ID: m365TenantId
  EXCHANGE_ENDPOINT: empty(exchangeEndpoint) ? productDefaults.EXCHANGE_ENDPOINT : exchangeEndpoint
  MANAGEMENT_ENDPOINT: empty(managementEndpoint) ? productDefaults.MANAGEMENT_ENDPOINT : managementEndpoint
  GRAPH_ENDPOINT: empty(graphEndpoint) ? productDefaults.GRAPH_ENDPOINT : graphEndpoint
  SNAPSHOT_SCHEDULE: empty(snapshotSchedule) ? productDefaults.SNAPSHOT_SCHEDULE : snapshotSchedule
  RELEASES_SCHEDULE: empty(releasesSchedule) ? productDefaults.RELEASES_SCHEDULE : releasesSchedule
  NOTIFY_RELEASES_SINCE: notifyReleasesSince
  NOTIFY_SENDER_MAILBOX: notifySenderMailbox
  NOTIFY_MAX_PER_MINUTE: empty(notifyMaxPerMinute) ? productDefaults.NOTIFY_MAX_PER_MINUTE : notifyMaxPerMinute
  NOTIFY_MAX_PER_DAY: empty(notifyMaxPerDay) ? productDefaults.NOTIFY_MAX_PER_DAY : notifyMaxPerDay
  NOTIFY_SAVE_TO_SENT_ITEMS: notifySaveToSentItems ? 'true' : 'false'
  NOTIFY_DRY_RUN: notifyDryRun ? 'true' : 'false'
  DRY_RUN_RELEASES_AFTER: empty(dryRunReleasesAfter) ? productDefaults.DRY_RUN_RELEASES_AFTER : dryRunReleasesAfter
  NOTIFY_SUBJECT: notifySubject
  NOTIFY_INTRO: notifyIntro
  NOTIFY_FOOTER: notifyFooter
  NOTIFY_LANGUAGE: empty(notifyLanguage) ? productDefaults.NOTIFY_LANGUAGE : notifyLanguage
  NOTIFY_TIME_ZONE: empty(notifyTimeZone) ? productDefaults.NOTIFY_TIME_ZONE : notifyTimeZone
  NOTIFY_SHOW_RELEASER: notifyShowReleaser ? 'true' : 'false'
  NOTIFY_SHOW_POLICY: notifyShowPolicy ? 'true' : 'false'
  NOTIFY_ON: empty(notifyOn) ? productDefaults.NOTIFY_ON : notifyOn
  NOTIFY_HOLD_POLICIES: notifyHoldPolicies
  NOTIFY_REVIEW_CONTACT: notifyReviewContact
  MULTI_TENANT_APP_ID: multiTenantAppId
  RELEASE_AUDIT_WAIT_MINUTES: empty(releaseAuditWaitMinutes) ? productDefaults.RELEASE_AUDIT_WAIT_MINUTES : releaseAuditWaitMinutes
  ALERT_RECIPIENTS: alertRecipients
  ALERT_RISKY_TYPES: empty(alertRiskyTypes) ? productDefaults.ALERT_RISKY_TYPES : alertRiskyTypes
  ALERT_BURST_RELEASES: empty(alertBurstReleases) ? productDefaults.ALERT_BURST_RELEASES : alertBurstReleases
  ALERT_RELEASED_TO_OTHER: alertReleasedToOther ? 'true' : 'false'
  HEALTH_RECIPIENTS: healthRecipients
  HEALTH_ALERT_AFTER_MINUTES: empty(healthAlertAfterMinutes) ? productDefaults.HEALTH_ALERT_AFTER_MINUTES : healthAlertAfterMinutes
  REPORT_RECIPIENTS: reportRecipients
  REPORT_SCHEDULE: empty(reportSchedule) ? productDefaults.REPORT_SCHEDULE : reportSchedule
}

// The alert's mail receivers are whoever the app's health email reaches: HEALTH_RECIPIENTS, else
// ALERT_RECIPIENTS (as shared/config/schema.ts reads them), split on commas and semicolons, blanks
// dropped; `off` means nobody, and never becomes an address.
var healthAddresses = empty(trim(healthRecipients)) ? alertRecipients : healthRecipients
var healthRecipientList = toLower(trim(healthAddresses)) == 'off' ? [] : filter(map(split(replace(healthAddresses, ';', ','), ','), address => trim(address)), address => !empty(address))

// AZURE_AUTHORITY_HOST is left off the app unless given: @azure/identity would read even an empty value.
var authorityHostAppSettings = empty(azureAuthorityHost) ? {} : {
  AZURE_AUTHORITY_HOST: azureAuthorityHost
}

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

// The app's one identity: storage, Application Insights, and (after grant-permissions.ps1) Microsoft 365.
module identity './app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-qrn-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage './app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentStorageContainerName
  }
}

module monitoring './app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac './app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
    adminPrincipalId: principalId
  }
}

module api './app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appSettings: union(productAppSettings, authorityHostAppSettings)
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The host reaches storage and Application Insights with the identity from its first start.
  dependsOn: [
    rbac
  ]
}

// Email when the functions fail, for the case where the app's own health email cannot go out
// (Mail.Send removed, sender mailbox deleted). Created whenever anyone is to be told.
module alerts './app/alerts.bicep' = if (!empty(healthRecipientList)) {
  name: 'alerts'
  scope: rg
  params: {
    name: 'qrn-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    recipients: healthRecipientList
  }
}

// Outputs azd stores in .azure/<env>/.env (azd env get-values).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
// For infra/grant-permissions.ps1 -ManagedIdentityObjectId: the identity's service principal object id.
output SERVICE_API_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output SERVICE_API_IDENTITY_CLIENT_ID string = identity.outputs.clientId
