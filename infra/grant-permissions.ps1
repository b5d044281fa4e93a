#Requires -Version 7.0
#Requires -Modules @{ ModuleName = 'Microsoft.Graph.Authentication'; ModuleVersion = '2.25.0' }, @{ ModuleName = 'Microsoft.Graph.Applications'; ModuleVersion = '2.25.0' }, @{ ModuleName = 'Microsoft.Graph.Identity.Governance'; ModuleVersion = '2.25.0' }, @{ ModuleName = 'ExchangeOnlineManagement'; ModuleVersion = '3.7.2' }
<#
.SYNOPSIS
    Grants (or with -Revoke removes) the Microsoft 365 permissions of the quarantine-release-notifier's
    managed identity.

.DESCRIPTION
    Run once after `azd provision` (and again whenever you like: it is idempotent). For each grant it
    prints whether it was already in place or what it changed. With -WhatIf it changes nothing and prints
    every change it would make.

      1. Exchange.ManageAsApp (app role on Office 365 Exchange Online) + Entra role Security Reader:
         lets the snapshot call Get-QuarantineMessage over the Exchange admin REST endpoint.
      2. ActivityFeed.Read (app role on Office 365 Management APIs): lets release detection read
         QuarantineReleaseMessage records from the Management Activity API (Audit.General).
      3. Exchange RBAC for Applications on the ONE sender mailbox: a management scope matching it, then
         "Application Mail.Send" (send the notifications) and "Application Mail.Read" (find a notification
         in Sent Items again after Graph's answer to a send was lost) assigned to the app with that scope.
         Never the tenant-wide Graph Mail.Send / Mail.Read permissions: they reach every mailbox, and
         permissions add up, so they would also void the scope. The script warns if it finds one, and
         removes them with -RemoveTenantWideMailSend.
      4. Test-ServicePrincipalAuthorization against the mailbox, printed at the end.

    -Revoke removes every grant of steps 1-3 (role assignments, the management scope, the Exchange
    service principal, the directory role and the app roles), in reverse order. It is idempotent too and
    honours -WhatIf. The Azure side goes with `azd down`.

    Who can run it: an account that is Privileged Role Administrator (or Global Administrator) in Entra
    ID, for the app roles and the directory role, and a member of Organization Management in Exchange
    Online, for the RBAC for Applications part.

    Modules: Microsoft.Graph.Authentication, .Applications and .Identity.Governance 2.25 or later, and
    ExchangeOnlineManagement 3.7.2 or later (the first with Connect-ExchangeOnline -DisableWAM).
    Connecting to Graph and then Exchange Online in one session has crashed on sign-in with some
    versions (msgraph-sdk-powershell #3394, #3331: the two modules' MSAL copies and the Windows sign-in
    broker, WAM). The script signs in to Graph first and to Exchange with -DisableWAM, which keeps
    Exchange off the broker; if your versions still crash, start a fresh pwsh for each run.

.PARAMETER ManagedIdentityObjectId
    Object id of the managed identity's service principal (azd env get-values:
    SERVICE_API_IDENTITY_PRINCIPAL_ID). Not the client id.

.PARAMETER SenderMailbox
    The mailbox notifications are sent from (the app's NOTIFY_SENDER_MAILBOX).

.PARAMETER TenantId
    Tenant to sign in to. Optional; when given, the script also checks both sessions are in it.

.PARAMETER Cloud
    Global (default) or GCCHigh.

.PARAMETER RemoveTenantWideMailSend
    Remove tenant-wide Microsoft Graph Mail.Send and Mail.Read app role assignments from the identity.

.PARAMETER GrantThreatHunting
    Optional: also grant Microsoft Graph ThreatHunting.Read.All, so the activity report draws the two
    post-delivery hunting queries through advanced hunting (needs Microsoft Defender XDR data in the
    tenant). Without it the report uses Get-AggregateZapReport. -Revoke removes it when present.

.PARAMETER Revoke
    Remove every grant this script makes, instead of making them.

.EXAMPLE
    ./infra/grant-permissions.ps1 -ManagedIdentityObjectId 11111111-2222-3333-4444-555555555555 -SenderMailbox quarantine-notices@contoso.com -WhatIf

.EXAMPLE
    ./infra/grant-permissions.ps1 -ManagedIdentityObjectId 11111111-2222-3333-4444-555555555555 -SenderMailbox quarantine-notices@contoso.com -Revoke

.NOTES
    Permission changes can take up to an hour to apply: tokens carry app roles until they expire, and
    Exchange caches RBAC. npm run doctor checks each one from the app's point of view.
    Exit code: 0 when every step went through, 1 when one failed (nothing after it was attempted).
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
    [string] $ManagedIdentityObjectId,

    [Parameter(Mandatory)]
    [ValidatePattern('^[^@\s]+@[^@\s]+\.[^@\s]+$')]
    [ValidateLength(3, 320)]
    [string] $SenderMailbox,

    [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
    [string] $TenantId,

    [ValidateSet('Global', 'GCCHigh')]
    [string] $Cloud = 'Global',

    [switch] $RemoveTenantWideMailSend,

    [switch] $GrantThreatHunting,

    [switch] $Revoke
)

# $ErrorActionPreference does not reach functions exported by modules (Microsoft.Graph v2,
# ExchangeOnlineManagement v3): their errors would stay non-terminating and a failed New-* would be
# reported as [changed]. A default -ErrorAction Stop on every call made from this script does reach them.
# Both are script-scoped, so the caller's session keeps its own preferences.
$ErrorActionPreference = 'Stop'
$PSDefaultParameterValues = @{ '*:ErrorAction' = 'Stop' }
Set-StrictMode -Version 1.0

# The grants themselves, the well-known ids and the step reporting, shared with onboard-tenant.ps1.
. (Join-Path $PSScriptRoot 'lib' 'M365Permissions.ps1')

# -WhatIf: connect and read for real, change nothing. Cmdlets the script calls must not inherit WhatIf
# (Connect-ExchangeOnline would not finish), so the preference is taken here and every change goes
# through Invoke-Change.
$DryRun = [bool]$WhatIfPreference
$WhatIfPreference = $false
$Cmdlet = $PSCmdlet
$script:Changes = 0
$script:Problems = 0
$script:CurrentAction = $null

try {
    # -----------------------------------------------------------------------------------------------
    # Sign in: Graph first, then Exchange Online without the Windows sign-in broker (see .DESCRIPTION).
    # -----------------------------------------------------------------------------------------------
    $graphArgs = @{
        Scopes = @('Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory')
        Environment = $(if ($Cloud -eq 'GCCHigh') { 'USGov' } else { 'Global' })
        NoWelcome = $true
    }
    if ($TenantId) { $graphArgs.TenantId = $TenantId }
    Connect-MgGraph @graphArgs
    $graphTenant = (Get-MgContext).TenantId
    if ($TenantId -and $graphTenant -ne $TenantId) { throw "Microsoft Graph session is in tenant $graphTenant, not $TenantId." }

    $exoArgs = @{ ShowBanner = $false; DisableWAM = $true }
    if ($Cloud -eq 'GCCHigh') { $exoArgs.ExchangeEnvironmentName = 'O365USGovGCCHigh' }
    Connect-ExchangeOnline @exoArgs
    $exoTenant = (Get-ConnectionInformation | Select-Object -Last 1).TenantID
    if ($exoTenant -and "$exoTenant" -ne $graphTenant) {
        throw "Exchange Online session is in tenant $exoTenant but Microsoft Graph is in ${graphTenant}: sign in to the same tenant."
    }

    $mode = if ($DryRun) { ' (WhatIf: nothing will be changed)' } else { '' }
    $verb = if ($Revoke) { 'Revoking' } else { 'Granting' }
    Write-Host "Tenant $graphTenant, $verb$mode" -ForegroundColor White

    $sp = Get-OrNull { Get-MgServicePrincipal -ServicePrincipalId $ManagedIdentityObjectId -Property Id, AppId, DisplayName, ServicePrincipalType }
    if (-not $sp) {
        throw "No service principal with object id $ManagedIdentityObjectId in tenant $graphTenant. Pass the identity's principal (object) id, SERVICE_API_IDENTITY_PRINCIPAL_ID in azd env get-values, not its client id."
    }
    if ($sp.ServicePrincipalType -ne 'ManagedIdentity') {
        Write-Warning "$($sp.DisplayName) is a $($sp.ServicePrincipalType) service principal, not a managed identity. Continuing."
    }
    Write-Host "Identity: $($sp.DisplayName) (object id $($sp.Id), client id $($sp.AppId))" -ForegroundColor White

    $exchange = Get-ResourceServicePrincipal $ExchangeOnlineAppId 'Office 365 Exchange Online'
    $manageAsApp = $exchange.AppRoles | Where-Object { $_.Id -eq $ExchangeManageAsAppRoleId }
    if (-not $manageAsApp -or $manageAsApp.Value -ne 'Exchange.ManageAsApp') {
        throw "Office 365 Exchange Online has no Exchange.ManageAsApp role with id $ExchangeManageAsAppRoleId."
    }
    # The ActivityFeed.Read role id is looked up by its value rather than hard-coded.
    $management = Get-ResourceServicePrincipal $ManagementApiAppId 'Office 365 Management APIs'
    $activityFeedRead = $management.AppRoles | Where-Object { $_.Value -eq 'ActivityFeed.Read' -and $_.AllowedMemberTypes -contains 'Application' }
    if (-not $activityFeedRead) { throw 'Office 365 Management APIs exposes no ActivityFeed.Read application role.' }

    # The sender mailbox names the scope. On -Revoke a deleted mailbox must not block the clean-up.
    $target = Resolve-MailboxTarget $sp $SenderMailbox ([bool]$Revoke)
    $smtp = $target.Smtp

    if ($Revoke) {
        # -------------------------------------------------------------------------------------------
        # The way back, in reverse order of the grants.
        # -------------------------------------------------------------------------------------------
        Revoke-MailboxRbac $sp $target
        Revoke-AppRole $sp $management $activityFeedRead.Id 'ActivityFeed.Read'
        Revoke-SecurityReader $sp
        Revoke-AppRole $sp $exchange $ExchangeManageAsAppRoleId 'Exchange.ManageAsApp'

        $graph = Get-ResourceServicePrincipal $GraphAppId 'Microsoft Graph'
        # The optional ThreatHunting.Read.All goes too, when it was granted (silent when it never was).
        $hunting = Find-AppRole $graph $ThreatHuntingRole
        if ($hunting -and (Get-AppRoleAssignment $sp $graph $hunting.Id)) { Revoke-AppRole $sp $graph $hunting.Id $ThreatHuntingRole }
        foreach ($value in @(Get-TenantWideMailGrants $sp $graph | ForEach-Object Value | Select-Object -Unique)) {
            $script:Problems++
            Write-Step 'WARNING' "the identity still holds tenant-wide Microsoft Graph $value, which this script never grants: remove it with -RemoveTenantWideMailSend (without -Revoke) or in the Entra admin center"
        }
    } else {
        # -------------------------------------------------------------------------------------------
        # 1. Exchange: Get-QuarantineMessage over the admin REST endpoint needs both the app role (the
        #    token is accepted: without it 401) and an Entra role that includes quarantine read (403).
        # -------------------------------------------------------------------------------------------
        Grant-AppRole $sp $exchange $ExchangeManageAsAppRoleId 'Exchange.ManageAsApp' 'snapshot: Exchange admin API as the app'

        Grant-SecurityReader $sp

        # -------------------------------------------------------------------------------------------
        # 2. Management Activity API: release records (Audit.General). Without it the feed answers AF10001.
        # -------------------------------------------------------------------------------------------
        Grant-AppRole $sp $management $activityFeedRead.Id 'ActivityFeed.Read' 'release detection: audit log'

        # -------------------------------------------------------------------------------------------
        # 3. Mail.Send and Mail.Read, scoped to the sender mailbox with Exchange RBAC for Applications.
        # -------------------------------------------------------------------------------------------
        $graph = Get-ResourceServicePrincipal $GraphAppId 'Microsoft Graph'
        $tenantWide = @(Get-TenantWideMailGrants $sp $graph)
        if ($tenantWide.Count -eq 0) {
            Write-Step 'in place' 'no tenant-wide Microsoft Graph Mail.Send / Mail.Read (good: mail access is limited to the scope below)'
        } elseif ($RemoveTenantWideMailSend) {
            foreach ($item in $tenantWide) {
                Invoke-Change $sp.DisplayName "remove tenant-wide Microsoft Graph $($item.Value)" {
                    Remove-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -AppRoleAssignmentId $item.Assignment.Id
                }
            }
        } else {
            Write-TenantWideWarning $sp @($tenantWide | ForEach-Object Value | Select-Object -Unique) 'Re-run with -RemoveTenantWideMailSend.'
        }

        Grant-MailboxRbac $sp $target

        # Optional: advanced hunting for the report's post-delivery series.
        if ($GrantThreatHunting) {
            $hunting = Find-AppRole $graph $ThreatHuntingRole
            if (-not $hunting) { throw "Microsoft Graph exposes no $ThreatHuntingRole application role." }
            Grant-AppRole $sp $graph $hunting.Id $ThreatHuntingRole 'report: post-delivery series through advanced hunting'
        }

        # -------------------------------------------------------------------------------------------
        # 4. What Exchange says the app may do with the sender mailbox.
        # -------------------------------------------------------------------------------------------
        Show-MailboxAuthorization $sp $target
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
Write-Host 'Then check from the app''s side: npm run doctor (locally) or the next runs in Application Insights.'
exit 0
