# Pester 5 tests of infra/grant-permissions.ps1 against stubbed Microsoft Graph and Exchange Online
# cmdlets (FakeM365.functions.ps1, loaded as modules with the real names). Run: node infra/check.js
BeforeAll {
    . (Join-Path $PSScriptRoot 'FakeTenant.ps1')
    Install-FakeModules (Join-Path $TestDrive 'modules')
    $script:Grants = @(
        "New-MgServicePrincipalAppRoleAssignment resource=$($Ids.ExchangeSp) role=$($Ids.ManageAsApp)"
        "New-MgRoleManagementDirectoryRoleAssignment role=$($Ids.SecurityReader) scope=/"
        "New-MgServicePrincipalAppRoleAssignment resource=$($Ids.ManagementSp) role=$($Ids.ActivityFeedRead)"
        "New-ServicePrincipal AppId=$($Ids.IdentityAppId) ObjectId=$($Ids.Identity)"
        "New-ManagementScope QRN sender notices@contoso.com filter=PrimarySmtpAddress -eq 'notices@contoso.com'"
        'New-ManagementRoleAssignment Application Mail.Send scope=QRN sender notices@contoso.com'
        'New-ManagementRoleAssignment Application Mail.Read scope=QRN sender notices@contoso.com'
    )
}

Describe 'every PowerShell file parses' {
    It '<_> has no parse errors' -ForEach @(
        Get-ChildItem -Recurse -Filter *.ps1 -Path (Join-Path $PSScriptRoot '..' '..' 'infra'), $PSScriptRoot | ForEach-Object FullName
    ) {
        $tokens = $null; $errors = $null
        [System.Management.Automation.Language.Parser]::ParseFile($_, [ref]$tokens, [ref]$errors) | Out-Null
        @($errors | ForEach-Object { "$($_.Extent.StartLineNumber): $($_.Message)" }) | Should -BeNullOrEmpty
    }
}

Describe 'a fresh tenant' {
    BeforeEach { New-FakeTenant }

    It 'makes each grant once, in order, and says [changed] for each' {
        $run = Invoke-GrantScript
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -Be $Grants
        @($run.Lines | Where-Object { $_ -like '`[changed*' }).Count | Should -Be 7
        $run.Text | Should -Match '7 change\(s\) made'
    }

    It 'signs in to Graph first, then to Exchange Online without the Windows sign-in broker' {
        Invoke-GrantScript | Out-Null
        $connects = @($Fake.Calls | Where-Object { $_ -like 'Connect-*' })
        $connects | Should -Be @('Connect-MgGraph Environment=Global', 'Connect-ExchangeOnline DisableWAM=True Environment=')
    }

    It 'uses the Azure Government clouds with -Cloud GCCHigh' {
        Invoke-GrantScript @{ Cloud = 'GCCHigh' } | Out-Null
        @($Fake.Calls | Where-Object { $_ -like 'Connect-*' }) | Should -Be @('Connect-MgGraph Environment=USGov', 'Connect-ExchangeOnline DisableWAM=True Environment=O365USGovGCCHigh')
    }

    It 'scopes Application Mail.Read by the same management scope as Application Mail.Send, never tenant-wide' {
        Invoke-GrantScript | Out-Null
        $send = $Fake.RoleAssignments.Values | Where-Object { $_.Role -eq 'Application Mail.Send' }
        $read = $Fake.RoleAssignments.Values | Where-Object { $_.Role -eq 'Application Mail.Read' }
        $read.CustomResourceScope | Should -Be $send.CustomResourceScope
        $read.CustomResourceScope | Should -Be 'QRN sender notices@contoso.com'
        @($Fake.AppRoleAssignments | Where-Object { $_.ResourceId -eq $Ids.GraphSp }) | Should -BeNullOrEmpty
    }

    It '-WhatIf changes nothing and prints every change it would make' {
        $before = Get-FakeState
        $run = Invoke-GrantScript @{ WhatIf = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -BeNullOrEmpty
        Get-FakeState | Should -Be $before
        $would = @($run.Lines | Where-Object { $_ -like '`[would change*' -and $_ -like '*->*' })
        $would.Count | Should -Be 7
        foreach ($what in 'Exchange.ManageAsApp', 'Security Reader', 'ActivityFeed.Read', 'New-ServicePrincipal', 'create management scope', 'Application Mail.Send', 'Application Mail.Read') {
            ($would -join "`n") | Should -BeLike "*$what*"
        }
        $run.Text | Should -Not -Match '\[changed'
        $run.Text | Should -Match 'WhatIf: nothing was changed'
    }

    It 'stops at an unknown sender mailbox with exit code 1, before any Exchange change' {
        $run = Invoke-GrantScript @{ SenderMailbox = 'nobody@contoso.com' }
        $run.ExitCode | Should -Be 1
        $run.Text | Should -Match 'FAILED.*nobody@contoso.com is not a mailbox'
        Get-FakeChanges | Should -BeNullOrEmpty
    }

    It 'stops with exit code 1 on a service principal that does not exist' {
        $run = Invoke-GrantScript @{ ManagedIdentityObjectId = '12345678-1234-1234-1234-123456789012' }
        $run.ExitCode | Should -Be 1
        $run.Text | Should -Match 'No service principal with object id 12345678'
    }
}

Describe 'a tenant where everything is granted' {
    BeforeEach { New-FakeTenant; Invoke-GrantScript | Out-Null; $Fake.Calls.Clear() }

    It 'changes nothing and reports every grant in place' {
        $before = Get-FakeState
        $run = Invoke-GrantScript
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -BeNullOrEmpty
        Get-FakeState | Should -Be $before
        $run.Text | Should -Not -Match '\[changed'
        @($run.Lines | Where-Object { $_ -like '`[in place*' }).Count | Should -BeGreaterOrEqual 9
        $run.Text | Should -Match '0 change\(s\) made'
    }

    It 'moves an assignment that points at another scope back to the sender scope' {
        $Fake.RoleAssignments["QRN Mail.Read $($Ids.IdentityAppId)"].CustomResourceScope = 'Everyone'
        Invoke-GrantScript | Out-Null
        Get-FakeChanges | Should -Be @("Set-ManagementRoleAssignment QRN Mail.Read $($Ids.IdentityAppId) scope=QRN sender notices@contoso.com")
    }
}

Describe 'a cmdlet that fails' {
    BeforeEach { New-FakeTenant }

    It 'stops at a failing <_> with exit code 1, never says [changed] for it, and attempts nothing after it' -ForEach @(
        'New-MgServicePrincipalAppRoleAssignment', 'New-MgRoleManagementDirectoryRoleAssignment', 'New-ServicePrincipal', 'New-ManagementScope', 'New-ManagementRoleAssignment'
    ) {
        $Fake.FailOn = @($_)
        $run = Invoke-GrantScript
        $run.ExitCode | Should -Be 1
        $failedAt = [array]::IndexOf([string[]]$Grants, @(Get-FakeChanges)[-1])
        $failedAt | Should -BeGreaterOrEqual 0
        @(Get-FakeChanges).Count | Should -Be ($failedAt + 1)
        @($run.Lines | Where-Object { $_ -like '`[changed*' }).Count | Should -Be $failedAt
        $run.Lines[-2] | Should -Match '^\[FAILED\s*\].*simulated failure'
    }

    It 'makes pwsh exit non-zero when run as a script file' {
        $child = Join-Path $TestDrive 'child.ps1'
        $helpers = Join-Path $PSScriptRoot 'FakeTenant.ps1'
        Set-Content -Path $child -Value @"
. '$helpers'
Install-FakeModules '$(Join-Path $TestDrive 'child-modules')'
New-FakeTenant
`$global:Fake.FailOn = @('New-ManagementRoleAssignment')
& '$(Join-Path $PSScriptRoot '..' '..' 'infra' 'grant-permissions.ps1')' -ManagedIdentityObjectId $($Ids.Identity) -SenderMailbox notices@contoso.com
exit `$LASTEXITCODE
"@
        $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -File $child 2>&1 | ForEach-Object { "$_" }
        $LASTEXITCODE | Should -Be 1
        ($output -join "`n") | Should -Match 'FAILED.*Application Mail.Send.*simulated failure'
        ($output -join "`n") | Should -Not -Match 'changed\s*\] assign Application Mail.Send'
    }
}

Describe 'tenant-wide Microsoft Graph mail permissions' {
    BeforeEach { New-FakeTenant }

    It 'warns about a tenant-wide <Name> and leaves it alone' -ForEach @(
        @{ Name = 'Mail.Send'; RoleId = '__SEND__' }, @{ Name = 'Mail.Read'; RoleId = '__READ__' }
    ) {
        $roleId = if ($RoleId -eq '__SEND__') { $Ids.GraphMailSend } else { $Ids.GraphMailRead }
        Add-FakeTenantWideGraphRole $roleId
        $run = Invoke-GrantScript
        $run.ExitCode | Should -Be 0
        $run.Text | Should -MatchExactly "TENANT-WIDE Microsoft Graph $Name permission"
        $run.Text | Should -Match 'RemoveTenantWideMailSend'
        @($Fake.AppRoleAssignments | Where-Object { $_.AppRoleId -eq $roleId }).Count | Should -Be 1
        @(Get-FakeChanges | Where-Object { $_ -like 'Remove-*' }) | Should -BeNullOrEmpty
    }

    It '-RemoveTenantWideMailSend removes tenant-wide Mail.Send and Mail.Read, and nothing else' {
        Add-FakeTenantWideGraphRole $Ids.GraphMailSend
        Add-FakeTenantWideGraphRole $Ids.GraphMailRead
        $run = Invoke-GrantScript @{ RemoveTenantWideMailSend = $true }
        $run.ExitCode | Should -Be 0
        @($Fake.AppRoleAssignments | Where-Object { $_.ResourceId -eq $Ids.GraphSp }) | Should -BeNullOrEmpty
        @(Get-FakeChanges | Where-Object { $_ -like 'Remove-*' }) | Should -Be @(
            "Remove-MgServicePrincipalAppRoleAssignment resource=$($Ids.GraphSp) role=$($Ids.GraphMailSend)"
            "Remove-MgServicePrincipalAppRoleAssignment resource=$($Ids.GraphSp) role=$($Ids.GraphMailRead)"
        )
        $run.Text | Should -Not -MatchExactly 'TENANT-WIDE'
    }

    It 'no tenant-wide permission: no warning' {
        (Invoke-GrantScript).Text | Should -Not -MatchExactly 'TENANT-WIDE'
    }
}

Describe '-Revoke' {
    BeforeEach { New-FakeTenant; $script:Empty = Get-FakeState; Invoke-GrantScript | Out-Null; $Fake.Calls.Clear() }

    It 'removes every grant the script makes, in reverse order' {
        $run = Invoke-GrantScript @{ Revoke = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeState | Should -Be $Empty
        Get-FakeChanges | Should -Be @(
            'Remove-ManagementRoleAssignment Application Mail.Read'
            'Remove-ManagementRoleAssignment Application Mail.Send'
            'Remove-ManagementScope QRN sender notices@contoso.com'
            "Remove-ServicePrincipal $($Ids.Identity)"
            "Remove-MgServicePrincipalAppRoleAssignment resource=$($Ids.ManagementSp) role=$($Ids.ActivityFeedRead)"
            "Remove-MgRoleManagementDirectoryRoleAssignment role=$($Ids.SecurityReader)"
            "Remove-MgServicePrincipalAppRoleAssignment resource=$($Ids.ExchangeSp) role=$($Ids.ManageAsApp)"
        )
        @($run.Lines | Where-Object { $_ -like '`[changed*' }).Count | Should -Be 7
    }

    It 'with -TenantId of its own tenant removes every grant, as README Remove it runs it' {
        $run = Invoke-GrantScript @{ Revoke = $true; TenantId = $Ids.Tenant }
        $run.ExitCode | Should -Be 0
        Get-FakeState | Should -Be $Empty
    }

    It 'with -TenantId of another tenant stops with exit code 1 before removing anything' {
        $run = Invoke-GrantScript @{ Revoke = $true; TenantId = '99999999-9999-9999-9999-999999999999' }
        $run.ExitCode | Should -Be 1
        Get-FakeChanges | Should -BeNullOrEmpty
        $run.Text | Should -Match 'not 99999999-9999-9999-9999-999999999999'
    }

    It 'is idempotent: a second run changes nothing and says each grant is absent' {
        Invoke-GrantScript @{ Revoke = $true } | Out-Null
        $Fake.Calls.Clear()
        $run = Invoke-GrantScript @{ Revoke = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -BeNullOrEmpty
        @($run.Lines | Where-Object { $_ -like '`[absent*' }).Count | Should -Be 7
    }

    It '-WhatIf changes nothing and prints every removal' {
        $before = Get-FakeState
        $run = Invoke-GrantScript @{ Revoke = $true; WhatIf = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -BeNullOrEmpty
        Get-FakeState | Should -Be $before
        @($run.Lines | Where-Object { $_ -like '`[would change*' }).Count | Should -Be 7
    }

    It 'still cleans up when the sender mailbox was deleted' {
        $Fake.Mailboxes = @()
        $run = Invoke-GrantScript @{ Revoke = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeState | Should -Be $Empty
    }

    It 'keeps a management scope that another assignment still uses, and says so' {
        $Fake.RoleAssignments['Someone else'] = @{ Name = 'Someone else'; Role = 'Application Calendars.Read'; RoleAssignee = 'other'; RoleAssigneeName = 'other'; CustomResourceScope = 'QRN sender notices@contoso.com' }
        $run = Invoke-GrantScript @{ Revoke = $true }
        $run.ExitCode | Should -Be 0
        $Fake.Scopes.ContainsKey('QRN sender notices@contoso.com') | Should -BeTrue
        $run.Text | Should -Match 'kept: also used by Someone else'
    }

    It 'stops with exit code 1 when a removal fails' {
        $Fake.FailOn = @('Remove-ManagementScope')
        $run = Invoke-GrantScript @{ Revoke = $true }
        $run.ExitCode | Should -Be 1
        $run.Text | Should -Not -Match 'changed\s*\] remove management scope'
        @(Get-FakeChanges)[-1] | Should -BeLike 'Remove-ManagementScope*'
    }
}

Describe '-GrantThreatHunting (optional: the report''s post-delivery series)' {
    BeforeEach { New-FakeTenant }

    It 'is not granted without the switch' {
        Invoke-GrantScript | Out-Null
        @($Fake.AppRoleAssignments | Where-Object { $_.AppRoleId -eq $Ids.ThreatHunting }) | Should -BeNullOrEmpty
    }

    It 'grants Microsoft Graph ThreatHunting.Read.All once with the switch, after the other grants' {
        $run = Invoke-GrantScript @{ GrantThreatHunting = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -Be ($Grants + "New-MgServicePrincipalAppRoleAssignment resource=$($Ids.GraphSp) role=$($Ids.ThreatHunting)")
        $again = Invoke-GrantScript @{ GrantThreatHunting = $true }
        $again.Text | Should -Match 'ThreatHunting.Read.All on Microsoft Graph'
        @($Fake.AppRoleAssignments | Where-Object { $_.AppRoleId -eq $Ids.ThreatHunting }).Count | Should -Be 1
    }

    It '-Revoke removes it when present' {
        Invoke-GrantScript @{ GrantThreatHunting = $true } | Out-Null
        $run = Invoke-GrantScript @{ Revoke = $true }
        $run.ExitCode | Should -Be 0
        @($Fake.AppRoleAssignments | Where-Object { $_.AppRoleId -eq $Ids.ThreatHunting }) | Should -BeNullOrEmpty
        $run.Text | Should -Match 'remove ThreatHunting.Read.All on Microsoft Graph'
    }
}
