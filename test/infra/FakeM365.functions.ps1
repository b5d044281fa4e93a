# Stand-ins for the Microsoft Graph and Exchange Online cmdlets that infra/grant-permissions.ps1 calls.
# grant-permissions.Tests.ps1 loads them as modules named like the real ones (so the script's
# #Requires -Modules is satisfied and the functions run in module scope, where the script's
# $ErrorActionPreference does not reach, exactly as with the real modules). They read and change one
# fake tenant, $global:Fake (FakeTenant.ps1), and log every call to $global:Fake.Calls.
# A cmdlet named in $global:Fake.FailOn fails the way the real ones do: a non-terminating error.

function Register-FakeCall([string] $Line) { $global:Fake.Calls.Add($Line) }

function Test-FakeFailure([string] $Name) {
    if ($global:Fake.FailOn -contains $Name) {
        Write-Error "simulated failure of $Name (403 Forbidden)"
        return $true
    }
    return $false
}

function New-FakeId { [guid]::NewGuid().ToString() }

# ---- Microsoft.Graph.Authentication --------------------------------------------------------------
function Connect-MgGraph {
    [CmdletBinding()]
    param([string[]] $Scopes, [string] $Environment, [string] $TenantId, [switch] $NoWelcome)
    Register-FakeCall "Connect-MgGraph Environment=$Environment"
    if (Test-FakeFailure 'Connect-MgGraph') { return }
}
function Get-MgContext {
    [CmdletBinding()]
    param()
    [pscustomobject]@{ TenantId = $global:Fake.TenantId }
}

# ---- Microsoft.Graph.Applications -----------------------------------------------------------------
function Get-MgServicePrincipal {
    [CmdletBinding()]
    param([string] $ServicePrincipalId, [string] $Filter, [string[]] $Property)
    Register-FakeCall "Get-MgServicePrincipal $ServicePrincipalId$Filter"
    if ($ServicePrincipalId) {
        if ($global:Fake.Identity.Id -eq $ServicePrincipalId) { return [pscustomobject]$global:Fake.Identity }
        Write-Error "Resource '$ServicePrincipalId' does not exist or one of its queried reference-property objects are not present."
        return
    }
    if ($Filter -match "appId eq '([^']+)'") {
        $appId = $Matches[1]
        # A customer tenant whose admin consents while the onboarding script waits: the consent lands
        # after this many look-ups of the app (the admin-consent URL creates the service principal and
        # grants the app roles the app registration requests).
        if (-not $global:Fake.Identity -and $global:Fake.ContainsKey('ConsentAfterLookups') -and $global:Fake.ConsentAppId -eq $appId) {
            $global:Fake.ConsentAfterLookups--
            # Once: an admin consents one time, a later removal of the service principal stays removed.
            if ($global:Fake.ConsentAfterLookups -lt 0) { $global:Fake.Remove('ConsentAfterLookups'); Add-FakeConsent $appId }
        }
        $global:Fake.Resources | Where-Object { $_.AppId -eq $appId }
        if ($global:Fake.Identity -and $global:Fake.Identity.AppId -eq $appId) { [pscustomobject]$global:Fake.Identity }
    }
}
# What an admin consent to the multi-tenant app does in the tenant: its service principal, and the app
# roles the registration requests (Exchange.ManageAsApp, ActivityFeed.Read) assigned to it.
function Add-FakeConsent([string] $AppId) {
    $id = New-FakeId
    $global:Fake.Identity = @{ Id = $id; AppId = $AppId; DisplayName = 'qrn-provider'; ServicePrincipalType = 'Application' }
    foreach ($resource in $global:Fake.Resources) {
        foreach ($role in @($resource.AppRoles | Where-Object { $_.Value -in @('Exchange.ManageAsApp', 'ActivityFeed.Read') })) {
            $global:Fake.AppRoleAssignments.Add(@{ Id = (New-FakeId); PrincipalId = $id; ResourceId = $resource.Id; AppRoleId = $role.Id })
        }
    }
}
function New-MgServicePrincipal {
    [CmdletBinding()]
    param([string] $AppId)
    Register-FakeCall "New-MgServicePrincipal AppId=$AppId"
    if (Test-FakeFailure 'New-MgServicePrincipal') { return }
    # Created by an admin through Graph: no app roles yet (those are granted one by one).
    $global:Fake.Identity = @{ Id = (New-FakeId); AppId = $AppId; DisplayName = 'qrn-provider'; ServicePrincipalType = 'Application' }
    [pscustomobject]$global:Fake.Identity
}
function Remove-MgServicePrincipal {
    [CmdletBinding()]
    param([string] $ServicePrincipalId)
    Register-FakeCall "Remove-MgServicePrincipal $ServicePrincipalId"
    if (Test-FakeFailure 'Remove-MgServicePrincipal') { return }
    # Entra deletes the principal's app role and directory role assignments with it.
    foreach ($assignment in @($global:Fake.AppRoleAssignments | Where-Object { $_.PrincipalId -eq $ServicePrincipalId })) { [void]$global:Fake.AppRoleAssignments.Remove($assignment) }
    foreach ($assignment in @($global:Fake.DirectoryRoles | Where-Object { $_.PrincipalId -eq $ServicePrincipalId })) { [void]$global:Fake.DirectoryRoles.Remove($assignment) }
    $global:Fake.Identity = $null
}
function Get-MgServicePrincipalAppRoleAssignment {
    [CmdletBinding()]
    param([string] $ServicePrincipalId, [switch] $All)
    $global:Fake.AppRoleAssignments | Where-Object { $_.PrincipalId -eq $ServicePrincipalId } | ForEach-Object { [pscustomobject]$_ }
}
function New-MgServicePrincipalAppRoleAssignment {
    [CmdletBinding()]
    param([string] $ServicePrincipalId, [string] $PrincipalId, [string] $ResourceId, [string] $AppRoleId)
    Register-FakeCall "New-MgServicePrincipalAppRoleAssignment resource=$ResourceId role=$AppRoleId"
    if (Test-FakeFailure 'New-MgServicePrincipalAppRoleAssignment') { return }
    $assignment = @{ Id = (New-FakeId); PrincipalId = $PrincipalId; ResourceId = $ResourceId; AppRoleId = $AppRoleId }
    $global:Fake.AppRoleAssignments.Add($assignment)
    [pscustomobject]$assignment
}
function Remove-MgServicePrincipalAppRoleAssignment {
    [CmdletBinding()]
    param([string] $ServicePrincipalId, [string] $AppRoleAssignmentId)
    $assignment = $global:Fake.AppRoleAssignments | Where-Object { $_.Id -eq $AppRoleAssignmentId }
    Register-FakeCall "Remove-MgServicePrincipalAppRoleAssignment resource=$($assignment.ResourceId) role=$($assignment.AppRoleId)"
    if (Test-FakeFailure 'Remove-MgServicePrincipalAppRoleAssignment') { return }
    [void]$global:Fake.AppRoleAssignments.Remove($assignment)
}

# ---- Microsoft.Graph.Identity.Governance ----------------------------------------------------------
function Get-MgRoleManagementDirectoryRoleAssignment {
    [CmdletBinding()]
    param([string] $Filter, [switch] $All)
    $principal = if ($Filter -match "principalId eq '([^']+)'") { $Matches[1] } else { $null }
    $global:Fake.DirectoryRoles | Where-Object { -not $principal -or $_.PrincipalId -eq $principal } | ForEach-Object { [pscustomobject]$_ }
}
function New-MgRoleManagementDirectoryRoleAssignment {
    [CmdletBinding()]
    param([string] $PrincipalId, [string] $RoleDefinitionId, [string] $DirectoryScopeId)
    Register-FakeCall "New-MgRoleManagementDirectoryRoleAssignment role=$RoleDefinitionId scope=$DirectoryScopeId"
    if (Test-FakeFailure 'New-MgRoleManagementDirectoryRoleAssignment') { return }
    $assignment = @{ Id = (New-FakeId); PrincipalId = $PrincipalId; RoleDefinitionId = $RoleDefinitionId; DirectoryScopeId = $DirectoryScopeId }
    $global:Fake.DirectoryRoles.Add($assignment)
    [pscustomobject]$assignment
}
function Remove-MgRoleManagementDirectoryRoleAssignment {
    [CmdletBinding()]
    param([string] $UnifiedRoleAssignmentId)
    $assignment = $global:Fake.DirectoryRoles | Where-Object { $_.Id -eq $UnifiedRoleAssignmentId }
    Register-FakeCall "Remove-MgRoleManagementDirectoryRoleAssignment role=$($assignment.RoleDefinitionId)"
    if (Test-FakeFailure 'Remove-MgRoleManagementDirectoryRoleAssignment') { return }
    [void]$global:Fake.DirectoryRoles.Remove($assignment)
}

# ---- ExchangeOnlineManagement ---------------------------------------------------------------------
function Connect-ExchangeOnline {
    [CmdletBinding()]
    param([switch] $ShowBanner, [string] $ExchangeEnvironmentName, [switch] $DisableWAM, [string] $DelegatedOrganization)
    Register-FakeCall "Connect-ExchangeOnline DisableWAM=$([bool]$DisableWAM) Environment=$ExchangeEnvironmentName$(if ($DelegatedOrganization) { " DelegatedOrganization=$DelegatedOrganization" })"
    if (Test-FakeFailure 'Connect-ExchangeOnline') { return }
}
function Get-ConnectionInformation {
    [CmdletBinding()]
    param()
    [pscustomobject]@{ TenantID = $global:Fake.TenantId }
}
function Get-EXOMailbox {
    [CmdletBinding()]
    param([string] $Identity)
    $mailbox = $global:Fake.Mailboxes | Where-Object { $_ -eq $Identity }
    if (-not $mailbox) { Write-Error "The operation couldn't be performed because object '$Identity' couldn't be found."; return }
    [pscustomobject]@{ PrimarySmtpAddress = $mailbox }
}
function Get-ServicePrincipal {
    [CmdletBinding()]
    param([string] $Identity)
    $global:Fake.ExoServicePrincipals | ForEach-Object { [pscustomobject]$_ }
}
function New-ServicePrincipal {
    [CmdletBinding()]
    param([string] $AppId, [string] $ObjectId, [string] $DisplayName)
    Register-FakeCall "New-ServicePrincipal AppId=$AppId ObjectId=$ObjectId"
    if (Test-FakeFailure 'New-ServicePrincipal') { return }
    $global:Fake.ExoServicePrincipals.Add(@{ AppId = $AppId; ObjectId = $ObjectId; DisplayName = $DisplayName; Name = $ObjectId; Identity = $ObjectId })
}
function Remove-ServicePrincipal {
    [CmdletBinding(SupportsShouldProcess)]
    param([string] $Identity)
    Register-FakeCall "Remove-ServicePrincipal $Identity"
    if (Test-FakeFailure 'Remove-ServicePrincipal') { return }
    $existing = $global:Fake.ExoServicePrincipals | Where-Object { $_.Identity -eq $Identity }
    [void]$global:Fake.ExoServicePrincipals.Remove($existing)
}
function Get-ManagementScope {
    [CmdletBinding()]
    param([string] $Identity)
    if (-not $global:Fake.Scopes.ContainsKey($Identity)) { Write-Error "The operation couldn't be performed because object '$Identity' couldn't be found."; return }
    [pscustomobject]$global:Fake.Scopes[$Identity]
}
function New-ManagementScope {
    [CmdletBinding()]
    param([string] $Name, [string] $RecipientRestrictionFilter)
    Register-FakeCall "New-ManagementScope $Name filter=$RecipientRestrictionFilter"
    if (Test-FakeFailure 'New-ManagementScope') { return }
    $global:Fake.Scopes[$Name] = @{ Name = $Name; RecipientFilter = $RecipientRestrictionFilter }
}
function Set-ManagementScope {
    [CmdletBinding()]
    param([string] $Identity, [string] $RecipientRestrictionFilter)
    Register-FakeCall "Set-ManagementScope $Identity filter=$RecipientRestrictionFilter"
    if (Test-FakeFailure 'Set-ManagementScope') { return }
    $global:Fake.Scopes[$Identity].RecipientFilter = $RecipientRestrictionFilter
}
function Remove-ManagementScope {
    [CmdletBinding(SupportsShouldProcess)]
    param([string] $Identity)
    Register-FakeCall "Remove-ManagementScope $Identity"
    if (Test-FakeFailure 'Remove-ManagementScope') { return }
    $global:Fake.Scopes.Remove($Identity)
}
function Get-ManagementRoleAssignment {
    [CmdletBinding()]
    param([string] $Identity, [string] $Role)
    if ($Identity) {
        if (-not $global:Fake.RoleAssignments.ContainsKey($Identity)) { Write-Error "The operation couldn't be performed because object '$Identity' couldn't be found."; return }
        return [pscustomobject]$global:Fake.RoleAssignments[$Identity]
    }
    $global:Fake.RoleAssignments.Values | Where-Object { -not $Role -or $_.Role -eq $Role } | ForEach-Object { [pscustomobject]$_ }
}
function New-ManagementRoleAssignment {
    [CmdletBinding()]
    param([string] $Name, [string] $App, [string] $Role, [string] $CustomResourceScope)
    Register-FakeCall "New-ManagementRoleAssignment $Role scope=$CustomResourceScope"
    if (Test-FakeFailure 'New-ManagementRoleAssignment') { return }
    $global:Fake.RoleAssignments[$Name] = @{ Name = $Name; Role = $Role; RoleAssignee = $App; RoleAssigneeName = $App; CustomResourceScope = $CustomResourceScope }
}
function Set-ManagementRoleAssignment {
    [CmdletBinding()]
    param([string] $Identity, [string] $CustomResourceScope)
    Register-FakeCall "Set-ManagementRoleAssignment $Identity scope=$CustomResourceScope"
    if (Test-FakeFailure 'Set-ManagementRoleAssignment') { return }
    $global:Fake.RoleAssignments[$Identity].CustomResourceScope = $CustomResourceScope
}
function Remove-ManagementRoleAssignment {
    [CmdletBinding(SupportsShouldProcess)]
    param([string] $Identity)
    Register-FakeCall "Remove-ManagementRoleAssignment $($global:Fake.RoleAssignments[$Identity].Role)"
    if (Test-FakeFailure 'Remove-ManagementRoleAssignment') { return }
    $global:Fake.RoleAssignments.Remove($Identity)
}
function Test-ServicePrincipalAuthorization {
    [CmdletBinding()]
    param([string] $Identity, [string] $Resource)
    $scopes = $global:Fake.Scopes.Values | Where-Object { $_.RecipientFilter -eq "PrimarySmtpAddress -eq '$Resource'" } | ForEach-Object Name
    $global:Fake.RoleAssignments.Values | ForEach-Object {
        [pscustomobject]@{ RoleName = $_.Role; GrantedPermissions = $_.Role; AllowedResourceScope = $_.CustomResourceScope; ScopeType = 'CustomRecipientScope'; InScope = [bool]($scopes -contains $_.CustomResourceScope) }
    }
}
