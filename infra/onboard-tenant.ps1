#Requires -Version 7.0
#Requires -Modules @{ ModuleName = 'Microsoft.Graph.Authentication'; ModuleVersion = '2.25.0' }, @{ ModuleName = 'Microsoft.Graph.Applications'; ModuleVersion = '2.25.0' }, @{ ModuleName = 'Microsoft.Graph.Identity.Governance'; ModuleVersion = '2.25.0' }, @{ ModuleName = 'ExchangeOnlineManagement'; ModuleVersion = '3.7.2' }
<#
.SYNOPSIS
    Onboards (or with -Revoke offboards) one customer tenant of a multi-tenant quarantine-release-notifier
    deployment: consent, app roles, directory role and the notices mailbox's Exchange RBAC scope for the
    service provider's multi-tenant app registration.

.DESCRIPTION
    One run per customer tenant, by an admin of that tenant (or a partner's GDAP admin with -UseGdap).
    Idempotent: for each step it prints whether it was already in place or what it changed; with -WhatIf
    it changes nothing and prints every change it would make.

      a. Consent: the app registration (-MultiTenantAppId, the deployment's MULTI_TENANT_APP_ID) needs a
         service principal in the customer tenant. Without one, the script prints the admin-consent URL
         (https://login.microsoftonline.com/<tenant>/adminconsent?client_id=<app>, login.microsoftonline.us
         for GCC High) and waits up to -ConsentWaitSeconds for it to appear, then stops with a clear
         message if it did not. With -UseGdap it creates the service principal itself through Graph
         (New-MgServicePrincipal -AppId, what a GDAP admin may do) and prints the Partner Center
         application consent request that does the same from the partner side, as CIPP does.
      b. App roles on that service principal: Exchange.ManageAsApp and ActivityFeed.Read (granted if the
         consent did not already), and with -GrantThreatHunting Microsoft Graph ThreatHunting.Read.All.
      c. Entra role Security Reader (reading quarantine over the Exchange admin API).
      d. Exchange RBAC for Applications: New-ServicePrincipal in Exchange for the app's service principal,
         a management scope matching only the notices mailbox, "Application Mail.Send" and
         "Application Mail.Read" assigned with that scope. Never tenant-wide Graph Mail.Send/Mail.Read.
      e. Test-ServicePrincipalAuthorization against the mailbox.
      f. The `npm run tenants -- add ...` line that puts the tenant in the deployment's Tenants table.

    -Revoke removes all of it in reverse order (e, d, c, b, then the service principal itself, which is
    the consent) and prints the `npm run tenants -- remove <id> --yes` line. Idempotent too; honours -WhatIf.

    Who can run it: in the customer tenant, Privileged Role Administrator (or Global Administrator) for
    the consent, the app roles and the directory role, and Organization Management in Exchange Online for
    the RBAC part. Same modules as grant-permissions.ps1.

.PARAMETER CustomerTenantId
    The customer's tenant id (GUID). Both sign-ins must land in it, or the script stops.

.PARAMETER MultiTenantAppId
    Client (application) id of the service provider's multi-tenant app registration: the deployment's
    MULTI_TENANT_APP_ID (azd env get-value MULTI_TENANT_APP_ID).

.PARAMETER SenderMailbox
    The customer's notices mailbox (its NOTIFY_SENDER_MAILBOX in the Tenants table).

.PARAMETER TenantName
    Display name for the printed `npm run tenants -- add` line. Optional.

.PARAMETER Cloud
    Global (default) or GCCHigh.

.PARAMETER UseGdap
    The operator is a partner admin with GDAP roles in the customer tenant: create the app's service
    principal through Graph instead of waiting for an interactive admin consent, and connect to Exchange
    Online with -DelegatedOrganization.

.PARAMETER ConsentWaitSeconds
    How long to wait for the admin consent (the service principal appearing) before stopping. Default
    600; 0 checks once. Not used with -UseGdap, -Revoke or -WhatIf.

.PARAMETER GrantThreatHunting
    Also grant Microsoft Graph ThreatHunting.Read.All (the report's post-delivery series). -Revoke removes
    it when present.

.PARAMETER Revoke
    Remove every grant this script makes, and the app's service principal, instead of making them.

.EXAMPLE
    ./infra/onboard-tenant.ps1 -CustomerTenantId 22222222-3333-4444-5555-666666666666 -MultiTenantAppId 11111111-2222-3333-4444-555555555555 -SenderMailbox notices@fabrikam.com -WhatIf

.EXAMPLE
    ./infra/onboard-tenant.ps1 -CustomerTenantId 22222222-3333-4444-5555-666666666666 -MultiTenantAppId 11111111-2222-3333-4444-555555555555 -SenderMailbox notices@fabrikam.com -Revoke

.NOTES
    Permission changes can take up to an hour to reach the app (cached tokens, Exchange RBAC caches).
    Exit code: 0 when every step went through, 1 when one failed (nothing after it was attempted) or the
    tenant has not consented.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
    [string] $CustomerTenantId,

    [Parameter(Mandatory)]
    [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
    [string] $MultiTenantAppId,

    [Parameter(Mandatory)]
    [ValidatePattern('^[^@\s]+@[^@\s]+\.[^@\s]+$')]
    [ValidateLength(3, 320)]
    [string] $SenderMailbox,

    # Printed inside double quotes in a shell command: no quotes, backslashes, $ or backticks.
    [ValidatePattern('^[^"''`$\\\r\n]{1,100}$')]
    [string] $TenantName,

    [ValidateSet('Global', 'GCCHigh')]
    [string] $Cloud = 'Global',

    [switch] $UseGdap,

    [ValidateRange(0, 3600)]
    [int] $ConsentWaitSeconds = 600,

    [switch] $GrantThreatHunting,

    [switch] $Revoke
)

# As in grant-permissions.ps1: module functions do not see $ErrorActionPreference, a default parameter does.
$ErrorActionPreference = 'Stop'
$PSDefaultParameterValues = @{ '*:ErrorAction' = 'Stop' }
Set-StrictMode -Version 1.0

. (Join-Path $PSScriptRoot 'lib' 'M365Permissions.ps1')

# -WhatIf: connect and read for real, change nothing (see grant-permissions.ps1).
$DryRun = [bool]$WhatIfPreference
$WhatIfPreference = $false
$Cmdlet = $PSCmdlet
$script:Changes = 0
$script:Problems = 0
$script:CurrentAction = $null
$target = $null

$tenant = $CustomerTenantId.ToLowerInvariant()
$loginHost = if ($Cloud -eq 'GCCHigh') { 'login.microsoftonline.us' } else { 'login.microsoftonline.com' }
$consentUrl = "https://$loginHost/$tenant/adminconsent?client_id=$MultiTenantAppId"

function Get-AppServicePrincipal {
    @(Get-OrNull { Get-MgServicePrincipal -Filter "appId eq '$MultiTenantAppId'" -Property Id, AppId, DisplayName, ServicePrincipalType }) |
        Where-Object { $_ -and "$($_.AppId)" -eq $MultiTenantAppId } | Select-Object -First 1
}

# The Partner Center request that creates the same service principal from the partner's side (CIPP's
# way): POST .../v1/customers/{id}/applicationconsents with a Partner Center token. Printed, not sent:
# the script signs in to the customer tenant, not to Partner Center.
function Write-PartnerCenterConsent {
    $body = [ordered]@{
        applicationId = $MultiTenantAppId
        displayName = 'quarantine-release-notifier'
        applicationGrants = @(
            [ordered]@{ enterpriseApplicationId = $ExchangeOnlineAppId; scope = 'Exchange.ManageAsApp' }
            [ordered]@{ enterpriseApplicationId = $ManagementApiAppId; scope = 'ActivityFeed.Read' }
        )
    } | ConvertTo-Json -Depth 4
    Write-Host 'Partner Center alternative to this step (from your Partner Center app, with a token for https://api.partnercenter.microsoft.com):' -ForegroundColor White
    Write-Host "  POST https://api.partnercenter.microsoft.com/v1/customers/$tenant/applicationconsents"
    Write-Host "  $($body -replace "`n", "`n  ")"
    # What matters here is the service principal it creates; the app roles are granted (or found in
    # place) by step b either way.
    Write-Host '  It creates the same service principal; step b below grants the app roles either way.'
}

try {
    # -----------------------------------------------------------------------------------------------
    # Sign in to the customer tenant: Graph first, then Exchange Online without the sign-in broker.
    # -----------------------------------------------------------------------------------------------
    $graphScopes = @('Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory')
    # Creating (-UseGdap) or deleting (-Revoke) the service principal needs write access to it.
    if ($UseGdap -or $Revoke) { $graphScopes[0] = 'Application.ReadWrite.All' }
    Connect-MgGraph -Scopes $graphScopes -TenantId $tenant -Environment $(if ($Cloud -eq 'GCCHigh') { 'USGov' } else { 'Global' }) -NoWelcome
    $graphTenant = "$((Get-MgContext).TenantId)"
    if ($graphTenant -ne $tenant) { throw "Microsoft Graph session is in tenant $graphTenant, not the customer tenant $tenant." }

    $exoArgs = @{ ShowBanner = $false; DisableWAM = $true }
    if ($Cloud -eq 'GCCHigh') { $exoArgs.ExchangeEnvironmentName = 'O365USGovGCCHigh' }
    if ($UseGdap) { $exoArgs.DelegatedOrganization = $tenant }
    Connect-ExchangeOnline @exoArgs
    $exoTenant = "$((Get-ConnectionInformation | Select-Object -Last 1).TenantID)"
    if ($exoTenant -and $exoTenant -ne $tenant) {
        throw "Exchange Online session is in tenant $exoTenant, not the customer tenant ${tenant}: sign in to the customer tenant (a partner: -UseGdap)."
    }

    $mode = if ($DryRun) { ' (WhatIf: nothing will be changed)' } else { '' }
    $verb = if ($Revoke) { 'Offboarding' } else { 'Onboarding' }
    Write-Host "Customer tenant $tenant, app $MultiTenantAppId, $verb$mode" -ForegroundColor White

    $sp = Get-AppServicePrincipal

    if ($Revoke) {
        # -------------------------------------------------------------------------------------------
        # The way back, in reverse order. Without the service principal there is nothing in Entra to
        # remove, but Exchange objects made for it may remain: they are looked up by the app id.
        # -------------------------------------------------------------------------------------------
        $principal = if ($sp) { $sp } else { [pscustomobject]@{ Id = $null; AppId = $MultiTenantAppId; DisplayName = "app $MultiTenantAppId" } }
        $target = Resolve-MailboxTarget $principal $SenderMailbox $true
        Revoke-MailboxRbac $principal $target
        if ($sp) {
            Revoke-SecurityReader $sp
            $graph = Get-ResourceServicePrincipal $GraphAppId 'Microsoft Graph'
            $hunting = Find-AppRole $graph $ThreatHuntingRole
            if ($hunting -and (Get-AppRoleAssignment $sp $graph $hunting.Id)) { Revoke-AppRole $sp $graph $hunting.Id $ThreatHuntingRole }
            $management = Get-ResourceServicePrincipal $ManagementApiAppId 'Office 365 Management APIs'
            $activityFeedRead = Find-AppRole $management 'ActivityFeed.Read'
            if ($activityFeedRead) { Revoke-AppRole $sp $management $activityFeedRead.Id 'ActivityFeed.Read' }
            $exchange = Get-ResourceServicePrincipal $ExchangeOnlineAppId 'Office 365 Exchange Online'
            Revoke-AppRole $sp $exchange $ExchangeManageAsAppRoleId 'Exchange.ManageAsApp'
            # Deleting the service principal withdraws the consent: no token for this tenant any more.
            Invoke-Change $sp.DisplayName "remove the app's service principal from tenant $tenant (withdraws the consent)" {
                Remove-MgServicePrincipal -ServicePrincipalId $sp.Id
            }
        } else {
            foreach ($what in 'Entra role Security Reader', 'app roles', "the app's service principal (consent)") { Write-Step 'absent' $what }
        }
    } else {
        # The notices mailbox first: an unknown one stops the run before anything changes (consent too).
        if (-not (Get-OrNull { Get-EXOMailbox -Identity $SenderMailbox })) {
            throw "$SenderMailbox is not a mailbox in tenant $tenant (a user or shared mailbox is needed to send from)."
        }

        # -------------------------------------------------------------------------------------------
        # a. Consent: the app's service principal in the customer tenant.
        # -------------------------------------------------------------------------------------------
        if ($sp) {
            Write-Step 'in place' "consent: service principal $($sp.DisplayName) ($($sp.Id)) of app $MultiTenantAppId"
        } elseif ($UseGdap) {
            Write-PartnerCenterConsent
            Invoke-Change $tenant "create the service principal of app $MultiTenantAppId (consent through GDAP: New-MgServicePrincipal)" {
                New-MgServicePrincipal -AppId $MultiTenantAppId
            }
            if (-not $DryRun) { $sp = Get-AppServicePrincipal }
        } else {
            Write-Host ''
            Write-Host 'An admin of the customer tenant (Global Administrator, or Privileged Role Administrator) consents here:' -ForegroundColor White
            Write-Host "  $consentUrl" -ForegroundColor White
            Write-Host ''
            $wait = if ($DryRun) { 0 } else { $ConsentWaitSeconds }
            $deadline = (Get-Date).AddSeconds($wait)
            while (-not $sp -and (Get-Date) -lt $deadline) {
                Start-Sleep -Seconds ([Math]::Max(1, [Math]::Min(10, [int]($deadline - (Get-Date)).TotalSeconds)))
                $sp = Get-AppServicePrincipal
            }
            if ($sp) {
                $script:Changes++
                Write-Step 'changed' "consent: service principal $($sp.DisplayName) ($($sp.Id)) appeared after the admin consent"
            } elseif ($DryRun) {
                Write-Step 'would change' "consent: open the admin-consent URL above -> $tenant"
            } else {
                throw "Tenant $tenant has not consented to app $MultiTenantAppId (no service principal after $wait s). Open the admin-consent URL above as an admin of that tenant, or re-run with -UseGdap as a partner admin, then run this script again."
            }
        }
        if (-not $sp) {
            # Only under -WhatIf: nothing below can be read before the service principal exists.
            Write-Step 'would change' 'app roles, Security Reader and the mailbox scope: checked once the service principal exists'
        } else {
            $target = Resolve-MailboxTarget $sp $SenderMailbox $false

            # ---------------------------------------------------------------------------------------
            # b. App roles (the consent normally granted both; a service principal made by hand has none).
            # ---------------------------------------------------------------------------------------
            $exchange = Get-ResourceServicePrincipal $ExchangeOnlineAppId 'Office 365 Exchange Online'
            Grant-AppRole $sp $exchange $ExchangeManageAsAppRoleId 'Exchange.ManageAsApp' 'snapshot: Exchange admin API as the app'
            $management = Get-ResourceServicePrincipal $ManagementApiAppId 'Office 365 Management APIs'
            $activityFeedRead = Find-AppRole $management 'ActivityFeed.Read'
            if (-not $activityFeedRead) { throw 'Office 365 Management APIs exposes no ActivityFeed.Read application role.' }
            Grant-AppRole $sp $management $activityFeedRead.Id 'ActivityFeed.Read' 'release detection: audit log'
            $graph = Get-ResourceServicePrincipal $GraphAppId 'Microsoft Graph'
            if ($GrantThreatHunting) {
                $hunting = Find-AppRole $graph $ThreatHuntingRole
                if (-not $hunting) { throw "Microsoft Graph exposes no $ThreatHuntingRole application role." }
                Grant-AppRole $sp $graph $hunting.Id $ThreatHuntingRole 'report: post-delivery series through advanced hunting'
            }
            $tenantWide = @(Get-TenantWideMailGrants $sp $graph)
            if ($tenantWide.Count -gt 0) {
                Write-TenantWideWarning $sp @($tenantWide | ForEach-Object Value | Select-Object -Unique) 'Remove it from the app registration and the tenant''s enterprise app.'
            }

            # ---------------------------------------------------------------------------------------
            # c. Directory role for reading quarantine.
            # ---------------------------------------------------------------------------------------
            Grant-SecurityReader $sp

            # ---------------------------------------------------------------------------------------
            # d. Mail.Send and Mail.Read on the one notices mailbox (RBAC for Applications).
            # ---------------------------------------------------------------------------------------
            Grant-MailboxRbac $sp $target

            # ---------------------------------------------------------------------------------------
            # e. What Exchange says the app may do with the mailbox.
            # ---------------------------------------------------------------------------------------
            Show-MailboxAuthorization $sp $target
        }
    }
} catch {
    $what = if ($script:CurrentAction) { "$($script:CurrentAction): " } else { '' }
    Write-Step 'FAILED' "$what$($_.Exception.Message)"
    Write-Host "$($script:Changes) change(s) were made before the failure; nothing after it was attempted. Fix the cause and run the script again." -ForegroundColor Red
    exit 1
}

Write-Host ''
if ($DryRun) {
    Write-Host 'WhatIf: nothing was changed.' -ForegroundColor Yellow
} else {
    Write-Host "$($script:Changes) change(s) made." -ForegroundColor White
}
if ($script:Problems -gt 0) { Write-Host "$($script:Problems) warning(s) above need attention." -ForegroundColor Red }
Write-Host 'Permission changes can take up to an hour to reach the app (cached tokens and Exchange RBAC caches).'
# f. The deployment's side.
if ($Revoke) {
    Write-Host 'Then remove the tenant and its data from the deployment:' -ForegroundColor White
    Write-Host "  npm run tenants -- remove $tenant --yes"
} else {
    $name = if ($TenantName) { $TenantName } else { '<customer name>' }
    $mailbox = if ($target) { $target.Smtp } else { $SenderMailbox }
    Write-Host 'Then add the tenant to the deployment and check it:' -ForegroundColor White
    Write-Host "  npm run tenants -- add $tenant --name `"$name`" --mailbox $mailbox"
    Write-Host "  npm run doctor -- --tenant $tenant"
}
exit 0
