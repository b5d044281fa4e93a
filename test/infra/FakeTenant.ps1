# The fake tenant the stubs in FakeM365.functions.ps1 work on, and the helpers that load those stubs as
# modules named like the real ones. Dot-sourced by grant-permissions.Tests.ps1 (and by the child
# process one test starts to see the script's real exit code).

$script:FakeModules = [ordered]@{
    'Microsoft.Graph.Authentication' = @{ Version = '2.25.0'; Functions = @('Connect-MgGraph', 'Get-MgContext') }
    'Microsoft.Graph.Applications' = @{ Version = '2.25.0'; Functions = @('Get-MgServicePrincipal', 'New-MgServicePrincipal', 'Remove-MgServicePrincipal', 'Get-MgServicePrincipalAppRoleAssignment', 'New-MgServicePrincipalAppRoleAssignment', 'Remove-MgServicePrincipalAppRoleAssignment') }
    'Microsoft.Graph.Identity.Governance' = @{ Version = '2.25.0'; Functions = @('Get-MgRoleManagementDirectoryRoleAssignment', 'New-MgRoleManagementDirectoryRoleAssignment', 'Remove-MgRoleManagementDirectoryRoleAssignment') }
    'ExchangeOnlineManagement' = @{ Version = '3.7.2'; Functions = @('Connect-ExchangeOnline', 'Get-ConnectionInformation', 'Get-EXOMailbox', 'Get-ServicePrincipal', 'New-ServicePrincipal', 'Remove-ServicePrincipal', 'Get-ManagementScope', 'New-ManagementScope', 'Set-ManagementScope', 'Remove-ManagementScope', 'Get-ManagementRoleAssignment', 'New-ManagementRoleAssignment', 'Set-ManagementRoleAssignment', 'Remove-ManagementRoleAssignment', 'Test-ServicePrincipalAuthorization') }
}

# Writes the four fake modules under $Root and puts $Root first on PSModulePath.
function Install-FakeModules([string] $Root) {
    $functions = Join-Path $PSScriptRoot 'FakeM365.functions.ps1'
    foreach ($name in $script:FakeModules.Keys) {
        $module = $script:FakeModules[$name]
        $dir = Join-Path $Root $name $module.Version
        New-Item -ItemType Directory -Force -Path $dir | Out-Null
        Set-Content -Path (Join-Path $dir "$name.psm1") -Value ". '$functions'`nExport-ModuleMember -Function $($module.Functions -join ', ')"
        New-ModuleManifest -Path (Join-Path $dir "$name.psd1") -RootModule "$name.psm1" -ModuleVersion $module.Version -FunctionsToExport $module.Functions
    }
    $env:PSModulePath = $Root + [IO.Path]::PathSeparator + $env:PSModulePath
    foreach ($name in $script:FakeModules.Keys) { Import-Module $name -Force -Global }
}

$script:Ids = @{
    Identity = '11111111-2222-3333-4444-555555555555'
    IdentityAppId = '99999999-8888-7777-6666-555555555555'
    ExchangeSp = 'aaaaaaaa-0000-0000-0000-000000000001'
    ManagementSp = 'aaaaaaaa-0000-0000-0000-000000000002'
    GraphSp = 'aaaaaaaa-0000-0000-0000-000000000003'
    ManageAsApp = 'dc50a0fb-09a3-484d-be87-e023b12c6440'
    ActivityFeedRead = '594c1fb6-4f81-4475-ae41-0c394909246c'
    GraphMailSend = 'b633e1c5-b582-4048-a93e-9f11b44c7e96'
    GraphMailRead = '810c84a8-4a9e-49e6-bf7d-12d183f40d01'
    ThreatHunting = 'dd98c7f5-2d42-42d3-a0e4-633161547251'
    SecurityReader = '5d6b6bb7-de71-4623-b4af-96380a352509'
    Tenant = '00000000-0000-0000-0000-000000000001'
}

# A tenant where nothing has been granted yet.
function New-FakeTenant {
    $global:Fake = @{
        TenantId = $script:Ids.Tenant
        Identity = @{ Id = $script:Ids.Identity; AppId = $script:Ids.IdentityAppId; DisplayName = 'id-qrn-test'; ServicePrincipalType = 'ManagedIdentity' }
        Resources = @(
            [pscustomobject]@{ Id = $script:Ids.ExchangeSp; AppId = '00000002-0000-0ff1-ce00-000000000000'; DisplayName = 'Office 365 Exchange Online'
                AppRoles = @([pscustomobject]@{ Id = $script:Ids.ManageAsApp; Value = 'Exchange.ManageAsApp'; AllowedMemberTypes = @('Application') }) }
            [pscustomobject]@{ Id = $script:Ids.ManagementSp; AppId = 'c5393580-f805-4401-95e8-94b7a6ef2fc2'; DisplayName = 'Office 365 Management APIs'
                AppRoles = @([pscustomobject]@{ Id = $script:Ids.ActivityFeedRead; Value = 'ActivityFeed.Read'; AllowedMemberTypes = @('Application') }) }
            [pscustomobject]@{ Id = $script:Ids.GraphSp; AppId = '00000003-0000-0000-c000-000000000000'; DisplayName = 'Microsoft Graph'
                AppRoles = @(
                    [pscustomobject]@{ Id = $script:Ids.GraphMailSend; Value = 'Mail.Send'; AllowedMemberTypes = @('Application') }
                    [pscustomobject]@{ Id = $script:Ids.GraphMailRead; Value = 'Mail.Read'; AllowedMemberTypes = @('Application') }
                    [pscustomobject]@{ Id = $script:Ids.ThreatHunting; Value = 'ThreatHunting.Read.All'; AllowedMemberTypes = @('Application') }
                ) }
        )
        AppRoleAssignments = [System.Collections.Generic.List[object]]::new()
        DirectoryRoles = [System.Collections.Generic.List[object]]::new()
        Mailboxes = @('notices@contoso.com')
        ExoServicePrincipals = [System.Collections.Generic.List[object]]::new()
        Scopes = @{}
        RoleAssignments = @{}
        Calls = [System.Collections.Generic.List[string]]::new()
        FailOn = @()
    }
}

# Adds a tenant-wide Microsoft Graph app role (Mail.Send or Mail.Read) to the identity, as an admin
# consent in the Entra portal would.
function Add-FakeTenantWideGraphRole([string] $RoleId) {
    $global:Fake.AppRoleAssignments.Add(@{ Id = [guid]::NewGuid().ToString(); PrincipalId = $script:Ids.Identity; ResourceId = $script:Ids.GraphSp; AppRoleId = $RoleId })
}

# The calls that change the tenant, in order.
function Get-FakeChanges {
    @($global:Fake.Calls | Where-Object { $_ -match '^(New|Set|Remove)-' })
}

# A compact picture of what is granted, for before/after comparisons.
function Get-FakeState {
    $graphRoles = @($global:Fake.AppRoleAssignments | ForEach-Object { "$($_.ResourceId)/$($_.AppRoleId)" } | Sort-Object)
    $directory = @($global:Fake.DirectoryRoles | ForEach-Object { "$($_.RoleDefinitionId)$($_.DirectoryScopeId)" } | Sort-Object)
    $scopes = @($global:Fake.Scopes.Values | ForEach-Object { "$($_.Name)|$($_.RecipientFilter)" } | Sort-Object)
    $roles = @($global:Fake.RoleAssignments.Values | ForEach-Object { "$($_.Role)|$($_.CustomResourceScope)" } | Sort-Object)
    $sps = @($global:Fake.ExoServicePrincipals | ForEach-Object { $_.AppId } | Sort-Object)
    $entra = if ($global:Fake.Identity) { "service principal of $($global:Fake.Identity.AppId)" } else { 'no service principal' }
    ($graphRoles + '#' + $directory + '#' + $scopes + '#' + $roles + '#' + $sps + '#' + $entra) -join "`n"
}

# Runs the script in this process; returns its exit code and every line it printed (host, warnings).
function Invoke-GrantScript([hashtable] $Arguments = @{}) {
    $global:LASTEXITCODE = $null
    $script = Join-Path $PSScriptRoot '..' '..' 'infra' 'grant-permissions.ps1'
    $all = @{ ManagedIdentityObjectId = $script:Ids.Identity; SenderMailbox = 'notices@contoso.com' }
    foreach ($key in $Arguments.Keys) { $all[$key] = $Arguments[$key] }
    $lines = & $script @all *>&1 | ForEach-Object { "$_" }
    [pscustomobject]@{ ExitCode = $global:LASTEXITCODE; Lines = @($lines); Text = ($lines -join "`n") }
}

# ---- infra/onboard-tenant.ps1 ----------------------------------------------------------------------
$script:Ids.Customer = '22222222-3333-4444-5555-666666666666'
$script:Ids.ProviderApp = '77777777-8888-9999-aaaa-bbbbbbbbbbbb'

# A customer tenant of the service provider. -Consented: an admin already opened the admin-consent URL
# (the app's service principal exists with the two app roles the registration requests). Otherwise no
# service principal; -ConsentAfterLookups N: the admin consents while the script waits, after N look-ups.
function New-FakeCustomerTenant([switch] $Consented, [int] $ConsentAfterLookups = -1) {
    New-FakeTenant
    $global:Fake.TenantId = $script:Ids.Customer
    $global:Fake.Identity = $null
    $global:Fake.Mailboxes = @('notices@fabrikam.com')
    $global:Fake.ConsentAppId = $script:Ids.ProviderApp
    if ($Consented) { $global:Fake.ConsentAfterLookups = 0 }
    elseif ($ConsentAfterLookups -ge 0) { $global:Fake.ConsentAfterLookups = $ConsentAfterLookups }
    # The consent happens on the first look-up; the look-up is not part of any test's call list.
    if ($Consented) { Get-MgServicePrincipal -Filter "appId eq '$($script:Ids.ProviderApp)'" | Out-Null; $global:Fake.Calls.Clear() }
}

# The service principal the consent created (its id is made up per tenant).
function Get-FakeProviderSp { $global:Fake.Identity }

function Invoke-OnboardScript([hashtable] $Arguments = @{}) {
    $global:LASTEXITCODE = $null
    $script = Join-Path $PSScriptRoot '..' '..' 'infra' 'onboard-tenant.ps1'
    $all = @{ CustomerTenantId = $script:Ids.Customer; MultiTenantAppId = $script:Ids.ProviderApp; SenderMailbox = 'notices@fabrikam.com'; ConsentWaitSeconds = 0 }
    foreach ($key in $Arguments.Keys) { $all[$key] = $Arguments[$key] }
    $lines = & $script @all *>&1 | ForEach-Object { "$_" }
    [pscustomobject]@{ ExitCode = $global:LASTEXITCODE; Lines = @($lines); Text = ($lines -join "`n") }
}
