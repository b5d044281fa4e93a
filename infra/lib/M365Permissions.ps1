# Helpers shared by infra/grant-permissions.ps1 (the deployment's own tenant) and infra/onboard-tenant.ps1
# (a customer tenant of a multi-tenant deployment): the same grants, the same idempotent "in place /
# changed / would change" reporting, the same -WhatIf handling. Dot-sourced by both scripts, so the
# functions run in the calling script's scope and read its state:
#   $DryRun          -WhatIf was given (nothing is changed, every change is printed)
#   $Cmdlet          the script's $PSCmdlet (ShouldProcess for -Confirm)
#   $script:Changes, $script:Problems, $script:CurrentAction   counters and the change in progress

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

# The application role of $Resource whose value is $Value, or $null.
function Find-AppRole($Resource, [string] $Value) {
    $Resource.AppRoles | Where-Object { $_.Value -eq $Value -and $_.AllowedMemberTypes -contains 'Application' } | Select-Object -First 1
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

# Security Reader: the least built-in Entra role known to read quarantine (README: Permissions).
# For built-in roles the role definition id is the template id.
function Grant-SecurityReader($Principal) {
    if (Get-SecurityReaderAssignment $Principal) {
        Write-Step 'in place' 'Entra role Security Reader (snapshot: read quarantine)'
        return
    }
    Invoke-Change $Principal.DisplayName 'assign Entra role Security Reader, tenant-wide (snapshot: read quarantine)' {
        New-MgRoleManagementDirectoryRoleAssignment -PrincipalId $Principal.Id -RoleDefinitionId $SecurityReaderTemplateId -DirectoryScopeId '/'
    }
}

function Revoke-SecurityReader($Principal) {
    $readers = @(Get-SecurityReaderAssignment $Principal)
    if ($readers.Count -eq 0) { Write-Step 'absent' 'Entra role Security Reader' }
    foreach ($reader in $readers) {
        Invoke-Change $Principal.DisplayName 'remove Entra role Security Reader' {
            Remove-MgRoleManagementDirectoryRoleAssignment -UnifiedRoleAssignmentId $reader.Id
        }
    }
}

# The tenant-wide Graph mail permissions $Principal holds: @{ Value; Assignment } each.
function Get-TenantWideMailGrants($Principal, $Graph) {
    foreach ($value in $TenantWideMailRoles) {
        $role = Find-AppRole $Graph $value
        if (-not $role) { continue }
        foreach ($assignment in @(Get-AppRoleAssignment $Principal $Graph $role.Id)) {
            if ($assignment) { [pscustomobject]@{ Value = $value; Assignment = $assignment } }
        }
    }
}

function Write-TenantWideWarning($Principal, [string[]] $Roles, [string] $Fix) {
    $script:Problems++
    $list = $Roles -join ' and '
    Write-Host ''
    Write-Host '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' -ForegroundColor Red
    Write-Host "!! $($Principal.DisplayName) holds the TENANT-WIDE Microsoft Graph $list permission." -ForegroundColor Red
    Write-Host '!! It reaches ANY mailbox in the tenant, and because permissions add up, the mailbox' -ForegroundColor Red
    Write-Host "!! scope this script sets up does not limit it. $Fix" -ForegroundColor Red
    Write-Host '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' -ForegroundColor Red
    Write-Host ''
}

# The sender mailbox and the Exchange names derived from it and from the app. On -Revoke a deleted
# mailbox must not block the clean-up, so a missing mailbox only fails a grant.
function Resolve-MailboxTarget($Principal, [string] $SenderMailbox, [bool] $ForRevoke) {
    $mailbox = Get-OrNull { Get-EXOMailbox -Identity $SenderMailbox }
    if (-not $mailbox -and -not $ForRevoke) { throw "$SenderMailbox is not a mailbox in this tenant (a user or shared mailbox is needed to send from)." }
    $smtp = if ($mailbox) { [string]$mailbox.PrimarySmtpAddress } else { $SenderMailbox }
    if ($smtp -ne $SenderMailbox) { Write-Warning "$SenderMailbox resolves to ${smtp}: set NOTIFY_SENDER_MAILBOX to the primary address." }
    $scopeName = ("QRN sender $smtp").Substring(0, [Math]::Min(64, ("QRN sender $smtp").Length))
    # Pointer to the Entra service principal, which Exchange role assignments are made to.
    $exoSp = @(Get-OrNull { Get-ServicePrincipal }) | Where-Object { $_ -and "$($_.AppId)" -eq $Principal.AppId } | Select-Object -First 1
    [pscustomobject]@{
        Smtp = $smtp
        ScopeName = $scopeName
        ScopeFilter = "PrimarySmtpAddress -eq '$($smtp.Replace("'", "''"))'"
        MailSendAssignment = "QRN Mail.Send $($Principal.AppId)"
        MailReadAssignment = "QRN Mail.Read $($Principal.AppId)"
        ExoSp = $exoSp
        AppIdentities = @($Principal.Id, $Principal.AppId, $Principal.DisplayName) + $(if ($exoSp) { @("$($exoSp.Identity)", "$($exoSp.Name)", "$($exoSp.DisplayName)") } else { @() })
    }
}

# Exchange RBAC for Applications: $Role for the app, limited to the sender mailbox's scope.
function Grant-ExchangeRole($Principal, $Target, [string] $Role, [string] $AssignmentName, [string] $Why) {
    $scopeName = $Target.ScopeName
    $assignment = Get-OrNull { Get-ManagementRoleAssignment -Identity $AssignmentName }
    if (-not $assignment) {
        Invoke-Change $AssignmentName "assign $Role to the app, scope $scopeName ($Why)" {
            New-ManagementRoleAssignment -Name $AssignmentName -App $Principal.Id -Role $Role -CustomResourceScope $scopeName
        }
    } elseif ("$($assignment.CustomResourceScope)" -ne $scopeName) {
        Invoke-Change $AssignmentName "move $Role from scope '$($assignment.CustomResourceScope)' to $scopeName" {
            Set-ManagementRoleAssignment -Identity $AssignmentName -CustomResourceScope $scopeName
        }
    } else {
        Write-Step 'in place' "$Role for the app, scope $scopeName ($Why)"
    }

    # Any other assignment of this role to this app (another scope, or none = every mailbox) widens it.
    $others = @(Get-OrNull { Get-ManagementRoleAssignment -Role $Role }) |
        Where-Object { $_ -and $_.Name -ne $AssignmentName -and ($Target.AppIdentities -contains "$($_.RoleAssignee)" -or $Target.AppIdentities -contains "$($_.RoleAssigneeName)") }
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

# Mail.Send and Mail.Read, scoped to the sender mailbox with Exchange RBAC for Applications: the Exchange
# service principal pointer, a management scope matching exactly that mailbox, two role assignments.
function Grant-MailboxRbac($Principal, $Target) {
    if ($Target.ExoSp) {
        Write-Step 'in place' "Exchange service principal for $($Principal.DisplayName)"
    } else {
        Invoke-Change $Principal.DisplayName 'create the Exchange service principal (New-ServicePrincipal)' {
            New-ServicePrincipal -AppId $Principal.AppId -ObjectId $Principal.Id -DisplayName $Principal.DisplayName
        }
    }

    $scopeName = $Target.ScopeName
    $scopeFilter = $Target.ScopeFilter
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

    Grant-ExchangeRole $Principal $Target $MailSendRbacRole $Target.MailSendAssignment 'sending'
    Grant-ExchangeRole $Principal $Target $MailReadRbacRole $Target.MailReadAssignment 'finding a sent notification in Sent Items'
}

# The way back from Grant-MailboxRbac, in reverse order.
function Revoke-MailboxRbac($Principal, $Target) {
    $scopes = @($Target.ScopeName)
    foreach ($pair in @(@($MailReadRbacRole, $Target.MailReadAssignment), @($MailSendRbacRole, $Target.MailSendAssignment))) {
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
            Where-Object { $_ -and "$($_.CustomResourceScope)" -eq $name -and $_.Name -notin @($Target.MailSendAssignment, $Target.MailReadAssignment) }
        if ($users) {
            $script:Problems++
            Write-Step 'WARNING' "management scope $name is kept: also used by $(@($users | ForEach-Object Name) -join ', ')"
            continue
        }
        Invoke-Change $name 'remove management scope' { Remove-ManagementScope -Identity $name -Confirm:$false }
    }
    if ($Target.ExoSp) {
        $exoSp = $Target.ExoSp
        Invoke-Change $Principal.DisplayName 'remove the Exchange service principal (Remove-ServicePrincipal)' {
            Remove-ServicePrincipal -Identity "$($exoSp.Identity)" -Confirm:$false
        }
    } else {
        Write-Step 'absent' "Exchange service principal for $($Principal.DisplayName)"
    }
}

# What Exchange says the app may do with the sender mailbox.
function Show-MailboxAuthorization($Principal, $Target) {
    $smtp = $Target.Smtp
    Write-Host ''
    Write-Host "Test-ServicePrincipalAuthorization -Identity $($Principal.AppId) -Resource $smtp" -ForegroundColor White
    try {
        $test = @(Test-ServicePrincipalAuthorization -Identity $Principal.AppId -Resource $smtp)
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
