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

# Well-known first-party application ids and role ids (the same in every tenant).
$ExchangeOnlineAppId = '00000002-0000-0ff1-ce00-000000000000'   # Office 365 Exchange Online
$ExchangeManageAsAppRoleId = 'dc50a0fb-09a3-484d-be87-e023b12c6440'   # its Exchange.ManageAsApp app role
$ManagementApiAppId = 'c5393580-f805-4401-95e8-94b7a6ef2fc2'   # Office 365 Management APIs
$GraphAppId = '00000003-0000-0000-c000-000000000000'   # Microsoft Graph
$SecurityReaderTemplateId = '5d6b6bb7-de71-4623-b4af-96380a352509'   # Entra built-in role Security Reader
# Exchange RBAC for Applications roles, each assigned with the sender mailbox's management scope.
$MailSendRbacRole = 'Application Mail.Send'
$MailReadRbacRole = 'Application Mail.Read'
# Tenant-wide Graph permissions that would make the mailbox scope meaningless.
$TenantWideMailRoles = @('Mail.Send', 'Mail.Read', 'Mail.ReadWrite')
# Optional Graph permission for the report's post-delivery series (advanced hunting).
$ThreatHuntingRole = 'ThreatHunting.Read.All'

# -WhatIf: connect and read for real, change nothing. Cmdlets the script calls must not inherit WhatIf
# (Connect-ExchangeOnline would not finish), so the preference is taken here and every change goes
# through Invoke-Change.
$DryRun = [bool]$WhatIfPreference
$WhatIfPreference = $false
$Cmdlet = $PSCmdlet
$script:Changes = 0
$script:Problems = 0
$script:CurrentAction = $null

function Write-Step([string] $Status, [string] $Message) {
    $colour = switch ($Status) {
        'in place' { 'Green' }
        'absent' { 'Green' }
        'changed' { 'Cyan' }
        'would change' { 'Yellow' }
        'skipped' { 'Yellow' }
        default { 'Red' }
    }
    Write-Host ('[{0,-12}] {1}' -f $Status, $Message) -ForegroundColor $colour
}

# Every change goes through here. [changed] is printed only after the change returned without an error:
# a failing cmdlet throws (ErrorAction Stop) and the script stops before that line.
function Invoke-Change([string] $Target, [string] $Action, [scriptblock] $Change) {
    if ($DryRun) {
        Write-Step 'would change' "$Action -> $Target"
        return
    }
    if (-not $Cmdlet.ShouldProcess($Target, $Action)) {
        Write-Step 'skipped' "$Action -> $Target"
        return
    }
    $script:CurrentAction = "$Action -> $Target"
    & $Change | Out-Null
    $script:CurrentAction = $null
    $script:Changes++
    Write-Step 'changed' "$Action -> $Target"
}

# Reads that may find nothing: Exchange reports "not found" as an error (terminating or not, by cmdlet);
# with ErrorAction Stop either kind lands in the catch.
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

function Get-AppRoleAssignment($Principal, $Resource, [string] $RoleId) {
    @(Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $Principal.Id -All) |
        Where-Object { $_ -and $_.ResourceId -eq $Resource.Id -and $_.AppRoleId -eq $RoleId }
}

# App role assignments are application permissions: granting one is the admin consent.
function Grant-AppRole($Principal, $Resource, [string] $RoleId, [string] $RoleName, [string] $Why) {
    if (Get-AppRoleAssignment $Principal $Resource $RoleId) {
        Write-Step 'in place' "$RoleName on $($Resource.DisplayName) ($Why)"
        return
    }
    Invoke-Change "$($Principal.DisplayName)" "grant $RoleName on $($Resource.DisplayName) ($Why)" {
        New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $Principal.Id -PrincipalId $Principal.Id -ResourceId $Resource.Id -AppRoleId $RoleId
    }
}

function Revoke-AppRole($Principal, $Resource, [string] $RoleId, [string] $RoleName) {
    $existing = @(Get-AppRoleAssignment $Principal $Resource $RoleId)
    if ($existing.Count -eq 0) {
        Write-Step 'absent' "$RoleName on $($Resource.DisplayName)"
        return
    }
    foreach ($assignment in $existing) {
        Invoke-Change "$($Principal.DisplayName)" "remove $RoleName on $($Resource.DisplayName)" {
            Remove-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $Principal.Id -AppRoleAssignmentId $assignment.Id
        }
    }
}

function Get-SecurityReaderAssignment($Principal) {
    @(Get-MgRoleManagementDirectoryRoleAssignment -Filter "principalId eq '$($Principal.Id)'" -All) |
        Where-Object { $_ -and $_.RoleDefinitionId -eq $SecurityReaderTemplateId -and $_.DirectoryScopeId -eq '/' }
}

# Exchange RBAC for Applications: $Role for the app, limited to the sender mailbox's scope.
function Grant-ExchangeRole([string] $Role, [string] $AssignmentName, [string] $ScopeName, [string] $Why) {
    $assignment = Get-OrNull { Get-ManagementRoleAssignment -Identity $AssignmentName }
    if (-not $assignment) {
        Invoke-Change $AssignmentName "assign $Role to the app, scope $ScopeName ($Why)" {
            New-ManagementRoleAssignment -Name $AssignmentName -App $sp.Id -Role $Role -CustomResourceScope $ScopeName
        }
    } elseif ("$($assignment.CustomResourceScope)" -ne $ScopeName) {
        Invoke-Change $AssignmentName "move $Role from scope '$($assignment.CustomResourceScope)' to $ScopeName" {
            Set-ManagementRoleAssignment -Identity $AssignmentName -CustomResourceScope $ScopeName
        }
    } else {
        Write-Step 'in place' "$Role for the app, scope $ScopeName ($Why)"
    }

    # Any other assignment of this role to this app (another scope, or none = every mailbox) widens it.
    $others = @(Get-OrNull { Get-ManagementRoleAssignment -Role $Role }) |
        Where-Object { $_ -and $_.Name -ne $AssignmentName -and ($appIdentities -contains "$($_.RoleAssignee)" -or $appIdentities -contains "$($_.RoleAssigneeName)") }
    foreach ($other in @($others)) {
        $script:Problems++
        Write-Step 'WARNING' "another $Role assignment for this app: $($other.Name) (scope '$($other.CustomResourceScope)'). Remove it unless intended: Remove-ManagementRoleAssignment -Identity '$($other.Name)'"
    }
}

function Revoke-ExchangeRole([string] $Role, [string] $AssignmentName) {
    $assignment = Get-OrNull { Get-ManagementRoleAssignment -Identity $AssignmentName }
    if (-not $assignment) {
        Write-Step 'absent' "$Role assignment $AssignmentName"
        return $null
    }
    Invoke-Change $AssignmentName "remove $Role assignment" {
        Remove-ManagementRoleAssignment -Identity $AssignmentName -Confirm:$false
    }
    return "$($assignment.CustomResourceScope)"
}

function Write-TenantWideWarning([string[]] $Roles) {
    $script:Problems++
    $list = $Roles -join ' and '
    Write-Host ''
    Write-Host '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' -ForegroundColor Red
    Write-Host "!! $($sp.DisplayName) holds the TENANT-WIDE Microsoft Graph $list permission." -ForegroundColor Red
    Write-Host '!! It reaches ANY mailbox in the tenant, and because permissions add up, the mailbox' -ForegroundColor Red
    Write-Host '!! scope this script sets up does not limit it. Re-run with -RemoveTenantWideMailSend.' -ForegroundColor Red
    Write-Host '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' -ForegroundColor Red
    Write-Host ''
}

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
    $mailbox = Get-OrNull { Get-EXOMailbox -Identity $SenderMailbox }
    if (-not $mailbox -and -not $Revoke) { throw "$SenderMailbox is not a mailbox in this tenant (a user or shared mailbox is needed to send from)." }
    $smtp = if ($mailbox) { [string]$mailbox.PrimarySmtpAddress } else { $SenderMailbox }
    if ($smtp -ne $SenderMailbox) { Write-Warning "$SenderMailbox resolves to ${smtp}: set NOTIFY_SENDER_MAILBOX to the primary address." }
    $scopeName = ("QRN sender $smtp").Substring(0, [Math]::Min(64, ("QRN sender $smtp").Length))
    $scopeFilter = "PrimarySmtpAddress -eq '$($smtp.Replace("'", "''"))'"
    $mailSendAssignment = "QRN Mail.Send $($sp.AppId)"
    $mailReadAssignment = "QRN Mail.Read $($sp.AppId)"

    # Pointer to the Entra service principal, which Exchange role assignments are made to.
    $exoSp = @(Get-OrNull { Get-ServicePrincipal }) | Where-Object { $_ -and "$($_.AppId)" -eq $sp.AppId } | Select-Object -First 1
    $appIdentities = @($sp.Id, $sp.AppId, $sp.DisplayName) + $(if ($exoSp) { @("$($exoSp.Identity)", "$($exoSp.Name)", "$($exoSp.DisplayName)") } else { @() })

    if ($Revoke) {
        # -------------------------------------------------------------------------------------------
        # The way back, in reverse order of the grants.
        # -------------------------------------------------------------------------------------------
        $scopes = @($scopeName)
        foreach ($pair in @(@($MailReadRbacRole, $mailReadAssignment), @($MailSendRbacRole, $mailSendAssignment))) {
            $usedScope = Revoke-ExchangeRole $pair[0] $pair[1]
            if ($usedScope -and $scopes -notcontains $usedScope) { $scopes += $usedScope }
        }
        foreach ($name in $scopes) {
            if (-not (Get-OrNull { Get-ManagementScope -Identity $name })) {
                Write-Step 'absent' "management scope $name"
                continue
            }
            # Another assignment still using the scope (made by someone else) keeps it alive.
            $users = @(Get-OrNull { Get-ManagementRoleAssignment }) |
                Where-Object { $_ -and "$($_.CustomResourceScope)" -eq $name -and $_.Name -notin @($mailSendAssignment, $mailReadAssignment) }
            if ($users) {
                $script:Problems++
                Write-Step 'WARNING' "management scope $name is kept: also used by $(@($users | ForEach-Object Name) -join ', ')"
                continue
            }
            Invoke-Change $name 'remove management scope' { Remove-ManagementScope -Identity $name -Confirm:$false }
        }
        if ($exoSp) {
            Invoke-Change $sp.DisplayName 'remove the Exchange service principal (Remove-ServicePrincipal)' {
                Remove-ServicePrincipal -Identity "$($exoSp.Identity)" -Confirm:$false
            }
        } else {
            Write-Step 'absent' "Exchange service principal for $($sp.DisplayName)"
        }
        Revoke-AppRole $sp $management $activityFeedRead.Id 'ActivityFeed.Read'
        $readers = @(Get-SecurityReaderAssignment $sp)
        if ($readers.Count -eq 0) { Write-Step 'absent' 'Entra role Security Reader' }
        foreach ($reader in $readers) {
            Invoke-Change $sp.DisplayName 'remove Entra role Security Reader' {
                Remove-MgRoleManagementDirectoryRoleAssignment -UnifiedRoleAssignmentId $reader.Id
            }
        }
        Revoke-AppRole $sp $exchange $ExchangeManageAsAppRoleId 'Exchange.ManageAsApp'

        $graph = Get-ResourceServicePrincipal $GraphAppId 'Microsoft Graph'
        # The optional ThreatHunting.Read.All goes too, when it was granted (silent when it never was).
        $hunting = $graph.AppRoles | Where-Object { $_.Value -eq $ThreatHuntingRole -and $_.AllowedMemberTypes -contains 'Application' }
        if ($hunting -and (Get-AppRoleAssignment $sp $graph $hunting.Id)) { Revoke-AppRole $sp $graph $hunting.Id $ThreatHuntingRole }
        foreach ($value in $TenantWideMailRoles) {
            $role = $graph.AppRoles | Where-Object { $_.Value -eq $value -and $_.AllowedMemberTypes -contains 'Application' }
            if ($role -and (Get-AppRoleAssignment $sp $graph $role.Id)) {
                $script:Problems++
                Write-Step 'WARNING' "the identity still holds tenant-wide Microsoft Graph $value, which this script never grants: remove it with -RemoveTenantWideMailSend (without -Revoke) or in the Entra admin center"
            }
        }
    } else {
        # -------------------------------------------------------------------------------------------
        # 1. Exchange: Get-QuarantineMessage over the admin REST endpoint needs both the app role (the
        #    token is accepted: without it 401) and an Entra role that includes quarantine read (403).
        # -------------------------------------------------------------------------------------------
        Grant-AppRole $sp $exchange $ExchangeManageAsAppRoleId 'Exchange.ManageAsApp' 'snapshot: Exchange admin API as the app'

        # Security Reader: the least built-in Entra role known to read quarantine (README: Permissions).
        # For built-in roles the role definition id is the template id.
        if (Get-SecurityReaderAssignment $sp) {
            Write-Step 'in place' 'Entra role Security Reader (snapshot: read quarantine)'
        } else {
            Invoke-Change $sp.DisplayName 'assign Entra role Security Reader, tenant-wide (snapshot: read quarantine)' {
                New-MgRoleManagementDirectoryRoleAssignment -PrincipalId $sp.Id -RoleDefinitionId $SecurityReaderTemplateId -DirectoryScopeId '/'
            }
        }

        # -------------------------------------------------------------------------------------------
        # 2. Management Activity API: release records (Audit.General). Without it the feed answers AF10001.
        # -------------------------------------------------------------------------------------------
        Grant-AppRole $sp $management $activityFeedRead.Id 'ActivityFeed.Read' 'release detection: audit log'

        # -------------------------------------------------------------------------------------------
        # 3. Mail.Send and Mail.Read, scoped to the sender mailbox with Exchange RBAC for Applications.
        # -------------------------------------------------------------------------------------------
        $graph = Get-ResourceServicePrincipal $GraphAppId 'Microsoft Graph'
        $tenantWide = @()
        foreach ($value in $TenantWideMailRoles) {
            $role = $graph.AppRoles | Where-Object { $_.Value -eq $value -and $_.AllowedMemberTypes -contains 'Application' }
            if (-not $role) { continue }
            foreach ($assignment in @(Get-AppRoleAssignment $sp $graph $role.Id)) {
                $tenantWide += [pscustomobject]@{ Value = $value; Assignment = $assignment }
            }
        }
        if ($tenantWide.Count -eq 0) {
            Write-Step 'in place' 'no tenant-wide Microsoft Graph Mail.Send / Mail.Read (good: mail access is limited to the scope below)'
        } elseif ($RemoveTenantWideMailSend) {
            foreach ($item in $tenantWide) {
                Invoke-Change $sp.DisplayName "remove tenant-wide Microsoft Graph $($item.Value)" {
                    Remove-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -AppRoleAssignmentId $item.Assignment.Id
                }
            }
        } else {
            Write-TenantWideWarning @($tenantWide | ForEach-Object Value | Select-Object -Unique)
        }

        if ($exoSp) {
            Write-Step 'in place' "Exchange service principal for $($sp.DisplayName)"
        } else {
            Invoke-Change $sp.DisplayName 'create the Exchange service principal (New-ServicePrincipal)' {
                New-ServicePrincipal -AppId $sp.AppId -ObjectId $sp.Id -DisplayName $sp.DisplayName
            }
        }

        # A management scope that matches exactly the sender mailbox.
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

        Grant-ExchangeRole $MailSendRbacRole $mailSendAssignment $scopeName 'sending'
        Grant-ExchangeRole $MailReadRbacRole $mailReadAssignment $scopeName 'finding a sent notification in Sent Items'

        # Optional: advanced hunting for the report's post-delivery series.
        if ($GrantThreatHunting) {
            $hunting = $graph.AppRoles | Where-Object { $_.Value -eq $ThreatHuntingRole -and $_.AllowedMemberTypes -contains 'Application' }
            if (-not $hunting) { throw "Microsoft Graph exposes no $ThreatHuntingRole application role." }
            Grant-AppRole $sp $graph $hunting.Id $ThreatHuntingRole 'report: post-delivery series through advanced hunting'
        }

        # -------------------------------------------------------------------------------------------
        # 4. What Exchange says the app may do with the sender mailbox.
        # -------------------------------------------------------------------------------------------
        Write-Host ''
        Write-Host "Test-ServicePrincipalAuthorization -Identity $($sp.AppId) -Resource $smtp" -ForegroundColor White
        try {
            $test = @(Test-ServicePrincipalAuthorization -Identity $sp.AppId -Resource $smtp)
            $test | Format-Table RoleName, GrantedPermissions, AllowedResourceScope, ScopeType, InScope -AutoSize | Out-String -Width 200 | Write-Host
            foreach ($role in @($MailSendRbacRole, $MailReadRbacRole)) {
                $inScope = $test | Where-Object { $_.RoleName -eq $role -and "$($_.InScope)" -eq 'True' }
                if ($inScope) {
                    Write-Step 'in place' "$role covers $smtp"
                } elseif ($DryRun) {
                    Write-Step 'would change' "$role does not cover $smtp yet; it will once the changes above are made"
                } else {
                    $script:Problems++
                    Write-Step 'WARNING' "$role does not (yet) cover $smtp. Exchange can take a while to see new scopes: run the script again later."
                }
            }
        } catch {
            if ($DryRun) { Write-Step 'would change' 'Test-ServicePrincipalAuthorization cannot run before the Exchange service principal exists' }
            else { $script:Problems++; Write-Step 'WARNING' "Test-ServicePrincipalAuthorization failed: $($_.Exception.Message)" }
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
Write-Host 'Then check from the app''s side: npm run doctor (locally) or the next runs in Application Insights.'
exit 0
