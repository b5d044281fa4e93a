#Requires -Version 7.0
#Requires -Modules Microsoft.Graph.Authentication, Microsoft.Graph.Applications, Microsoft.Graph.Identity.Governance, ExchangeOnlineManagement
<#
.SYNOPSIS
    Grants the quarantine-release-notifier's managed identity the Microsoft 365 permissions it needs.

.DESCRIPTION
    Run once after `azd up` (and again whenever you like: it is idempotent). For each grant it prints
    whether it was already in place or what it changed. With -WhatIf it changes nothing and prints what
    it would do.

      1. Exchange.ManageAsApp (app role on Office 365 Exchange Online) + Entra role Security Reader:
         lets the snapshot call Get-QuarantineMessage over the Exchange admin REST endpoint.
      2. ActivityFeed.Read (app role on Office 365 Management APIs): lets release detection read
         QuarantineReleaseMessage records from the Management Activity API (Audit.General).
      3. Mail.Send for the ONE sender mailbox, through Exchange RBAC for Applications (a management
         scope on the mailbox + "Application Mail.Send" assigned to the app with that scope). Never the
         tenant-wide Graph Mail.Send permission: that would let the app send as any mailbox, and
         permissions add up, so it would also void the scope. The script warns if it finds one, and
         removes it with -RemoveTenantWideMailSend.
      4. Test-ServicePrincipalAuthorization against the mailbox, printed at the end.

    Who can run it: an account that is Privileged Role Administrator (or Global Administrator) in Entra
    ID, for the app roles and the directory role, and a member of Organization Management in Exchange
    Online, for the RBAC for Applications part.

    Modules: Microsoft.Graph (Authentication, Applications and Identity.Governance sub-modules; the
    directory role cmdlets live in Identity.Governance) and ExchangeOnlineManagement 3.x.

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
    Remove a tenant-wide Microsoft Graph Mail.Send app role assignment from the identity if one exists.

.EXAMPLE
    ./infra/grant-permissions.ps1 -ManagedIdentityObjectId 11111111-2222-3333-4444-555555555555 -SenderMailbox quarantine-notices@contoso.com -WhatIf

.NOTES
    Permission changes can take up to an hour to apply: tokens carry app roles until they expire, and
    Exchange caches RBAC. npm run doctor checks each one from the app's point of view.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
    [string] $ManagedIdentityObjectId,

    [Parameter(Mandatory)]
    [ValidatePattern('^[^@\s]+@[^@\s]+\.[^@\s]+$')]
    [string] $SenderMailbox,

    [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
    [string] $TenantId,

    [ValidateSet('Global', 'GCCHigh')]
    [string] $Cloud = 'Global',

    [switch] $RemoveTenantWideMailSend
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 1.0

# Well-known first-party application ids and role ids (the same in every tenant).
$ExchangeOnlineAppId = '00000002-0000-0ff1-ce00-000000000000'   # Office 365 Exchange Online
$ExchangeManageAsAppRoleId = 'dc50a0fb-09a3-484d-be87-e023b12c6440'   # its Exchange.ManageAsApp app role
$ManagementApiAppId = 'c5393580-f805-4401-95e8-94b7a6ef2fc2'   # Office 365 Management APIs
$GraphAppId = '00000003-0000-0000-c000-000000000000'   # Microsoft Graph
$SecurityReaderTemplateId = '5d6b6bb7-de71-4623-b4af-96380a352509'   # Entra built-in role Security Reader
$MailSendRbacRole = 'Application Mail.Send'   # Exchange RBAC for Applications role

# -WhatIf: connect and read for real, change nothing. Cmdlets the script calls must not inherit WhatIf
# (Connect-ExchangeOnline would not finish), so the preference is taken here and every change goes
# through Invoke-Change.
$DryRun = [bool]$WhatIfPreference
$WhatIfPreference = $false
$Cmdlet = $PSCmdlet
$script:Changes = 0
$script:Problems = 0

function Write-Step([string] $Status, [string] $Message) {
    $colour = switch ($Status) {
        'in place' { 'Green' }
        'changed' { 'Cyan' }
        'would change' { 'Yellow' }
        'skipped' { 'Yellow' }
        default { 'Red' }
    }
    Write-Host ('[{0,-12}] {1}' -f $Status, $Message) -ForegroundColor $colour
}

function Invoke-Change([string] $Target, [string] $Action, [scriptblock] $Change) {
    if ($DryRun) {
        Write-Step 'would change' "$Action -> $Target"
        return
    }
    if (-not $Cmdlet.ShouldProcess($Target, $Action)) {
        Write-Step 'skipped' "$Action -> $Target"
        return
    }
    & $Change | Out-Null
    $script:Changes++
    Write-Step 'changed' "$Action -> $Target"
}

# Reads that may find nothing: Exchange reports "not found" as an error (terminating or not, by cmdlet);
# with ErrorActionPreference Stop either kind lands in the catch.
function Get-OrNull([scriptblock] $Read) {
    try { & $Read } catch { $null }
}

# Exchange may store a filter with other spacing or parentheses; compare what it means.
function Format-Filter([string] $Filter) {
    return ($Filter -replace '[()\s]', '').ToLowerInvariant()
}

function Get-ResourceServicePrincipal([string] $AppId, [string] $Name) {
    $resource = Get-MgServicePrincipal -Filter "appId eq '$AppId'" -Property Id, AppId, DisplayName, AppRoles
    if (-not $resource) {
        throw "$Name (appId $AppId) has no service principal in this tenant. Create it with: New-MgServicePrincipal -AppId $AppId"
    }
    return @($resource)[0]
}

# App role assignments are application permissions: granting one is the admin consent.
function Grant-AppRole($Principal, $Resource, [string] $RoleId, [string] $RoleName, [string] $Why) {
    $existing = Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $Principal.Id -All |
        Where-Object { $_.ResourceId -eq $Resource.Id -and $_.AppRoleId -eq $RoleId }
    if ($existing) {
        Write-Step 'in place' "$RoleName on $($Resource.DisplayName) ($Why)"
        return
    }
    Invoke-Change "$($Principal.DisplayName)" "grant $RoleName on $($Resource.DisplayName) ($Why)" {
        New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $Principal.Id -PrincipalId $Principal.Id -ResourceId $Resource.Id -AppRoleId $RoleId
    }
}

# ---------------------------------------------------------------------------------------------------
# Sign in
# ---------------------------------------------------------------------------------------------------
$graphArgs = @{
    Scopes = @('Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory')
    Environment = $(if ($Cloud -eq 'GCCHigh') { 'USGov' } else { 'Global' })
    NoWelcome = $true
}
if ($TenantId) { $graphArgs.TenantId = $TenantId }
Connect-MgGraph @graphArgs
$graphTenant = (Get-MgContext).TenantId
if ($TenantId -and $graphTenant -ne $TenantId) { throw "Microsoft Graph session is in tenant $graphTenant, not $TenantId." }

$exoArgs = @{ ShowBanner = $false }
if ($Cloud -eq 'GCCHigh') { $exoArgs.ExchangeEnvironmentName = 'O365USGovGCCHigh' }
Connect-ExchangeOnline @exoArgs
$exoTenant = (Get-ConnectionInformation | Select-Object -Last 1).TenantID
if ($exoTenant -and "$exoTenant" -ne $graphTenant) {
    throw "Exchange Online session is in tenant $exoTenant but Microsoft Graph is in ${graphTenant}: sign in to the same tenant."
}

$mode = if ($DryRun) { ' (WhatIf: nothing will be changed)' } else { '' }
Write-Host "Tenant $graphTenant$mode" -ForegroundColor White

$sp = Get-OrNull { Get-MgServicePrincipal -ServicePrincipalId $ManagedIdentityObjectId -Property Id, AppId, DisplayName, ServicePrincipalType }
if (-not $sp) {
    throw "No service principal with object id $ManagedIdentityObjectId in tenant $graphTenant. Pass the identity's principal (object) id, SERVICE_API_IDENTITY_PRINCIPAL_ID in azd env get-values, not its client id."
}
if ($sp.ServicePrincipalType -ne 'ManagedIdentity') {
    Write-Warning "$($sp.DisplayName) is a $($sp.ServicePrincipalType) service principal, not a managed identity. Continuing."
}
Write-Host "Identity: $($sp.DisplayName) (object id $($sp.Id), client id $($sp.AppId))" -ForegroundColor White

# ---------------------------------------------------------------------------------------------------
# 1. Exchange: Get-QuarantineMessage over the admin REST endpoint needs both the app role (the token is
#    accepted: without it 401) and an Entra role that includes quarantine read (without it 403).
# ---------------------------------------------------------------------------------------------------
$exchange = Get-ResourceServicePrincipal $ExchangeOnlineAppId 'Office 365 Exchange Online'
$manageAsApp = $exchange.AppRoles | Where-Object { $_.Id -eq $ExchangeManageAsAppRoleId }
if (-not $manageAsApp -or $manageAsApp.Value -ne 'Exchange.ManageAsApp') {
    throw "Office 365 Exchange Online has no Exchange.ManageAsApp role with id $ExchangeManageAsAppRoleId."
}
Grant-AppRole $sp $exchange $ExchangeManageAsAppRoleId 'Exchange.ManageAsApp' 'snapshot: Exchange admin API as the app'

# Security Reader is the least Entra role that can read quarantine. For built-in roles the role
# definition id is the template id.
$readerAssignment = Get-MgRoleManagementDirectoryRoleAssignment -Filter "principalId eq '$($sp.Id)'" -All |
    Where-Object { $_.RoleDefinitionId -eq $SecurityReaderTemplateId -and $_.DirectoryScopeId -eq '/' }
if ($readerAssignment) {
    Write-Step 'in place' 'Entra role Security Reader (snapshot: read quarantine)'
} else {
    Invoke-Change $sp.DisplayName 'assign Entra role Security Reader, tenant-wide (snapshot: read quarantine)' {
        New-MgRoleManagementDirectoryRoleAssignment -PrincipalId $sp.Id -RoleDefinitionId $SecurityReaderTemplateId -DirectoryScopeId '/'
    }
}

# ---------------------------------------------------------------------------------------------------
# 2. Management Activity API: release records (Audit.General). Without it the feed answers AF10001.
#    The role id is looked up by its value rather than hard-coded.
# ---------------------------------------------------------------------------------------------------
$management = Get-ResourceServicePrincipal $ManagementApiAppId 'Office 365 Management APIs'
$activityFeedRead = $management.AppRoles | Where-Object { $_.Value -eq 'ActivityFeed.Read' -and $_.AllowedMemberTypes -contains 'Application' }
if (-not $activityFeedRead) { throw 'Office 365 Management APIs exposes no ActivityFeed.Read application role.' }
Grant-AppRole $sp $management $activityFeedRead.Id 'ActivityFeed.Read' 'release detection: audit log'

# ---------------------------------------------------------------------------------------------------
# 3. Mail.Send, scoped to the sender mailbox with Exchange RBAC for Applications.
# ---------------------------------------------------------------------------------------------------
$graph = Get-ResourceServicePrincipal $GraphAppId 'Microsoft Graph'
$graphMailSend = $graph.AppRoles | Where-Object { $_.Value -eq 'Mail.Send' -and $_.AllowedMemberTypes -contains 'Application' }
$tenantWide = if ($graphMailSend) {
    Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -All |
        Where-Object { $_.ResourceId -eq $graph.Id -and $_.AppRoleId -eq $graphMailSend.Id }
}
if ($tenantWide) {
    if ($RemoveTenantWideMailSend) {
        foreach ($assignment in @($tenantWide)) {
            Invoke-Change $sp.DisplayName 'remove tenant-wide Microsoft Graph Mail.Send' {
                Remove-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -AppRoleAssignmentId $assignment.Id
            }
        }
    } else {
        $script:Problems++
        Write-Host ''
        Write-Host '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' -ForegroundColor Red
        Write-Host "!! $($sp.DisplayName) holds the TENANT-WIDE Microsoft Graph Mail.Send permission." -ForegroundColor Red
        Write-Host '!! It can send mail as ANY mailbox in the tenant, and because permissions add up, the' -ForegroundColor Red
        Write-Host '!! mailbox scope this script sets up does not limit it. Re-run with -RemoveTenantWideMailSend.' -ForegroundColor Red
        Write-Host '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' -ForegroundColor Red
        Write-Host ''
    }
} else {
    Write-Step 'in place' 'no tenant-wide Microsoft Graph Mail.Send (good: sending is limited to the scope below)'
}

$mailbox = Get-OrNull { Get-EXOMailbox -Identity $SenderMailbox }
if (-not $mailbox) { throw "$SenderMailbox is not a mailbox in this tenant (a user or shared mailbox is needed to send from)." }
$smtp = [string]$mailbox.PrimarySmtpAddress
if ($smtp -ne $SenderMailbox) { Write-Warning "$SenderMailbox resolves to ${smtp}: set NOTIFY_SENDER_MAILBOX to the primary address." }

# Pointer to the Entra service principal, which Exchange role assignments are made to.
$exoSp = @(Get-OrNull { Get-ServicePrincipal }) | Where-Object { "$($_.AppId)" -eq $sp.AppId } | Select-Object -First 1
if ($exoSp) {
    Write-Step 'in place' "Exchange service principal for $($sp.DisplayName)"
} else {
    Invoke-Change $sp.DisplayName 'create the Exchange service principal (New-ServicePrincipal)' {
        New-ServicePrincipal -AppId $sp.AppId -ObjectId $sp.Id -DisplayName $sp.DisplayName
    }
}

# A management scope that matches exactly the sender mailbox.
$scopeName = ("QRN sender $smtp").Substring(0, [Math]::Min(64, ("QRN sender $smtp").Length))
$scopeFilter = "PrimarySmtpAddress -eq '$($smtp.Replace("'", "''"))'"
$scope = Get-OrNull { Get-ManagementScope -Identity $scopeName }
if (-not $scope) {
    Invoke-Change $scopeName "create management scope ($scopeFilter)" {
        New-ManagementScope -Name $scopeName -RecipientRestrictionFilter $scopeFilter
    }
} elseif ((Format-Filter $scope.RecipientFilter) -ne (Format-Filter $scopeFilter)) {
    Invoke-Change $scopeName "reset management scope filter from ($($scope.RecipientFilter)) to ($scopeFilter)" {
        Set-ManagementScope -Identity $scopeName -RecipientRestrictionFilter $scopeFilter
    }
} else {
    Write-Step 'in place' "management scope $scopeName ($scopeFilter)"
}

# "Application Mail.Send" for the app, limited to that scope.
$assignmentName = "QRN Mail.Send $($sp.AppId)"
$assignment = Get-OrNull { Get-ManagementRoleAssignment -Identity $assignmentName }
if (-not $assignment) {
    Invoke-Change $assignmentName "assign $MailSendRbacRole to the app, scope $scopeName (sending)" {
        New-ManagementRoleAssignment -Name $assignmentName -App $sp.Id -Role $MailSendRbacRole -CustomResourceScope $scopeName
    }
} elseif ("$($assignment.CustomResourceScope)" -ne $scopeName) {
    Invoke-Change $assignmentName "move $MailSendRbacRole from scope '$($assignment.CustomResourceScope)' to $scopeName" {
        Set-ManagementRoleAssignment -Identity $assignmentName -CustomResourceScope $scopeName
    }
} else {
    Write-Step 'in place' "$MailSendRbacRole for the app, scope $scopeName (sending)"
}

# Any other Application Mail.Send assignment for this app (another scope, or none = every mailbox) widens it.
$appIdentities = @($sp.Id, $sp.AppId, $sp.DisplayName) + $(if ($exoSp) { @("$($exoSp.Identity)", "$($exoSp.Name)", "$($exoSp.DisplayName)") } else { @() })
$otherAssignments = @(Get-OrNull { Get-ManagementRoleAssignment -Role $MailSendRbacRole }) |
    Where-Object { $_.Name -ne $assignmentName -and ($appIdentities -contains "$($_.RoleAssignee)" -or $appIdentities -contains "$($_.RoleAssigneeName)") }
foreach ($other in @($otherAssignments)) {
    if (-not $other) { continue }
    $script:Problems++
    Write-Step 'WARNING' "another $MailSendRbacRole assignment for this app: $($other.Name) (scope '$($other.CustomResourceScope)'). Remove it unless intended: Remove-ManagementRoleAssignment -Identity '$($other.Name)'"
}

# ---------------------------------------------------------------------------------------------------
# 4. What Exchange says the app may do with the sender mailbox.
# ---------------------------------------------------------------------------------------------------
Write-Host ''
Write-Host "Test-ServicePrincipalAuthorization -Identity $($sp.AppId) -Resource $smtp" -ForegroundColor White
try {
    $test = @(Test-ServicePrincipalAuthorization -Identity $sp.AppId -Resource $smtp)
    $test | Format-Table RoleName, GrantedPermissions, AllowedResourceScope, ScopeType, InScope -AutoSize | Out-Host
    $inScope = $test | Where-Object { $_.RoleName -eq $MailSendRbacRole -and "$($_.InScope)" -eq 'True' }
    if ($inScope) {
        Write-Step 'in place' "$MailSendRbacRole covers $smtp"
    } elseif ($DryRun) {
        Write-Step 'would change' "$MailSendRbacRole does not cover $smtp yet; it will once the changes above are made"
    } else {
        $script:Problems++
        Write-Step 'WARNING' "$MailSendRbacRole does not (yet) cover $smtp. Exchange can take a while to see new scopes: run the script again later."
    }
} catch {
    if ($DryRun) { Write-Step 'would change' 'Test-ServicePrincipalAuthorization cannot run before the Exchange service principal exists' }
    else { $script:Problems++; Write-Step 'WARNING' "Test-ServicePrincipalAuthorization failed: $($_.Exception.Message)" }
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
