# Pester 5 tests of infra/onboard-tenant.ps1 against the same stubbed Microsoft Graph and Exchange Online
# cmdlets as grant-permissions.Tests.ps1 (FakeM365.functions.ps1), here standing for a customer tenant of
# a multi-tenant deployment. Run: node infra/check.js
BeforeAll {
    . (Join-Path $PSScriptRoot 'FakeTenant.ps1')
    Install-FakeModules (Join-Path $TestDrive 'modules')
    # What onboarding a consented tenant changes, in order (the consent already granted both app roles).
    $script:AfterConsent = @(
        "New-MgRoleManagementDirectoryRoleAssignment role=$($Ids.SecurityReader) scope=/"
        "New-ServicePrincipal AppId=$($Ids.ProviderApp) ObjectId=__SP__"
        "New-ManagementScope QRN sender notices@fabrikam.com filter=PrimarySmtpAddress -eq 'notices@fabrikam.com'"
        'New-ManagementRoleAssignment Application Mail.Send scope=QRN sender notices@fabrikam.com'
        'New-ManagementRoleAssignment Application Mail.Read scope=QRN sender notices@fabrikam.com'
    )
    function script:Expected([string[]] $Lines) { @($Lines | ForEach-Object { $_.Replace('__SP__', "$((Get-FakeProviderSp).Id)") }) }
}

Describe 'a customer tenant that has consented' {
    BeforeEach { New-FakeCustomerTenant -Consented }

    It 'adds Security Reader and the mailbox-scoped RBAC for Applications, once each, in order' {
        $run = Invoke-OnboardScript
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -Be (Expected $AfterConsent)
        @($run.Lines | Where-Object { $_ -like '`[changed*' }).Count | Should -Be 5
        $run.Text | Should -Match '\[in place\s*\] consent: service principal'
        $run.Text | Should -Match '\[in place\s*\] Exchange.ManageAsApp on Office 365 Exchange Online'
        $run.Text | Should -Match '\[in place\s*\] ActivityFeed.Read on Office 365 Management APIs'
        $run.Text | Should -Match '5 change\(s\) made'
    }

    It 'scopes Application Mail.Send and Mail.Read to the notices mailbox, never tenant-wide Graph mail' {
        Invoke-OnboardScript | Out-Null
        $roles = @($Fake.RoleAssignments.Values)
        $roles.Role | Sort-Object | Should -Be @('Application Mail.Read', 'Application Mail.Send')
        $roles.CustomResourceScope | Select-Object -Unique | Should -Be 'QRN sender notices@fabrikam.com'
        @($Fake.AppRoleAssignments | Where-Object { $_.ResourceId -eq $Ids.GraphSp }) | Should -BeNullOrEmpty
    }

    It 'signs in to the customer tenant, and prints the tenants add and doctor lines to run next' {
        $run = Invoke-OnboardScript @{ TenantName = 'Fabrikam Ltd' }
        @($Fake.Calls | Where-Object { $_ -like 'Connect-*' }) | Should -Be @('Connect-MgGraph Environment=Global', 'Connect-ExchangeOnline DisableWAM=True Environment=')
        $run.Lines | Should -Contain "  npm run tenants -- add $($Ids.Customer) --name `"Fabrikam Ltd`" --mailbox notices@fabrikam.com"
        $run.Lines | Should -Contain "  npm run doctor -- --tenant $($Ids.Customer)"
    }

    It 'running it twice changes nothing the second time' {
        Invoke-OnboardScript | Out-Null
        $before = Get-FakeState
        $Fake.Calls.Clear()
        $run = Invoke-OnboardScript
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -BeNullOrEmpty
        Get-FakeState | Should -Be $before
        $run.Text | Should -Not -Match '\[changed'
        $run.Text | Should -Match '0 change\(s\) made'
        # consent, 2 app roles, Security Reader, Exchange SP, scope, 2 assignments, 2 authorization checks
        @($run.Lines | Where-Object { $_ -like '`[in place*' }).Count | Should -Be 10
    }

    It '-WhatIf changes nothing and prints every change it would make' {
        $before = Get-FakeState
        $run = Invoke-OnboardScript @{ WhatIf = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -BeNullOrEmpty
        Get-FakeState | Should -Be $before
        $would = @($run.Lines | Where-Object { $_ -like '`[would change*' -and $_ -like '*->*' })
        $would.Count | Should -Be 5
        foreach ($what in 'Security Reader', 'New-ServicePrincipal', 'create management scope', 'Application Mail.Send', 'Application Mail.Read') {
            ($would -join "`n") | Should -BeLike "*$what*"
        }
        $run.Text | Should -Match 'WhatIf: nothing was changed'
    }

    It '-GrantThreatHunting adds Microsoft Graph ThreatHunting.Read.All after the other app roles' {
        $run = Invoke-OnboardScript @{ GrantThreatHunting = $true }
        $run.ExitCode | Should -Be 0
        @(Get-FakeChanges)[0] | Should -Be "New-MgServicePrincipalAppRoleAssignment resource=$($Ids.GraphSp) role=$($Ids.ThreatHunting)"
        @(Get-FakeChanges).Count | Should -Be 6
    }

    It 'stops at an unknown notices mailbox with exit code 1, before any change' {
        $run = Invoke-OnboardScript @{ SenderMailbox = 'nobody@fabrikam.com' }
        $run.ExitCode | Should -Be 1
        $run.Text | Should -Match 'FAILED.*nobody@fabrikam.com is not a mailbox'
        Get-FakeChanges | Should -BeNullOrEmpty
    }

    It 'stops with exit code 1, changing nothing, when the sign-in landed in another tenant' {
        $Fake.TenantId = $Ids.Tenant
        $run = Invoke-OnboardScript
        $run.ExitCode | Should -Be 1
        $run.Text | Should -Match "not the customer tenant $($Ids.Customer)"
        Get-FakeChanges | Should -BeNullOrEmpty
    }

    It 'stops at a failing <_> with exit code 1, never says [changed] for it, and attempts nothing after it' -ForEach @(
        'New-MgRoleManagementDirectoryRoleAssignment', 'New-ServicePrincipal', 'New-ManagementScope', 'New-ManagementRoleAssignment'
    ) {
        $Fake.FailOn = @($_)
        $run = Invoke-OnboardScript
        $run.ExitCode | Should -Be 1
        $expected = Expected $AfterConsent
        $failedAt = [array]::IndexOf([string[]]$expected, @(Get-FakeChanges)[-1])
        $failedAt | Should -BeGreaterOrEqual 0
        @(Get-FakeChanges).Count | Should -Be ($failedAt + 1)
        @($run.Lines | Where-Object { $_ -like '`[changed*' }).Count | Should -Be $failedAt
        $run.Text | Should -Match 'FAILED.*simulated failure'
    }

    It 'refuses a tenant name that would break out of the printed command' {
        { Invoke-OnboardScript @{ TenantName = 'Fabrikam"; rm -rf ~; echo "' } } | Should -Throw
        Get-FakeChanges | Should -BeNullOrEmpty
    }
}

Describe 'a customer tenant that has not consented' {
    BeforeEach { New-FakeCustomerTenant }

    It 'prints the admin-consent URL and stops with exit code 1 and a clear message, changing nothing' {
        $before = Get-FakeState
        $run = Invoke-OnboardScript
        $run.ExitCode | Should -Be 1
        $run.Lines | Should -Contain "  https://login.microsoftonline.com/$($Ids.Customer)/adminconsent?client_id=$($Ids.ProviderApp)"
        $run.Text | Should -Match "FAILED.*Tenant $($Ids.Customer) has not consented to app $($Ids.ProviderApp)"
        Get-FakeChanges | Should -BeNullOrEmpty
        Get-FakeState | Should -Be $before
        $run.Text | Should -Not -Match 'npm run tenants'
    }

    It 'uses the GCC High sign-in host with -Cloud GCCHigh' {
        $run = Invoke-OnboardScript @{ Cloud = 'GCCHigh' }
        $run.Lines | Should -Contain "  https://login.microsoftonline.us/$($Ids.Customer)/adminconsent?client_id=$($Ids.ProviderApp)"
        @($Fake.Calls | Where-Object { $_ -like 'Connect-*' }) | Should -Be @('Connect-MgGraph Environment=USGov', 'Connect-ExchangeOnline DisableWAM=True Environment=O365USGovGCCHigh')
    }

    It 'waits for the admin consent and carries on once the service principal appears' {
        New-FakeCustomerTenant -ConsentAfterLookups 1
        $run = Invoke-OnboardScript @{ ConsentWaitSeconds = 2 }
        $run.ExitCode | Should -Be 0
        $run.Text | Should -Match '\[changed\s*\] consent: service principal .* appeared after the admin consent'
        Get-FakeChanges | Should -Be (Expected $AfterConsent)
    }

    It '-WhatIf prints the consent URL and what it would do, changes nothing and exits 0' {
        $before = Get-FakeState
        $started = Get-Date
        $run = Invoke-OnboardScript @{ WhatIf = $true; ConsentWaitSeconds = 600 }
        # It does not wait for a consent it only reports on.
        ((Get-Date) - $started).TotalSeconds | Should -BeLessThan 30
        $run.ExitCode | Should -Be 0
        $run.Text | Should -Match 'adminconsent\?client_id='
        $run.Text | Should -Match '\[would change\] consent'
        Get-FakeChanges | Should -BeNullOrEmpty
        Get-FakeState | Should -Be $before
    }

    It '-UseGdap creates the service principal through Graph, grants both app roles, and prints the Partner Center request' {
        $run = Invoke-OnboardScript @{ UseGdap = $true }
        $run.ExitCode | Should -Be 0
        $changes = @(Get-FakeChanges)
        $changes[0] | Should -Be "New-MgServicePrincipal AppId=$($Ids.ProviderApp)"
        $changes[1] | Should -Be "New-MgServicePrincipalAppRoleAssignment resource=$($Ids.ExchangeSp) role=$($Ids.ManageAsApp)"
        $changes[2] | Should -Be "New-MgServicePrincipalAppRoleAssignment resource=$($Ids.ManagementSp) role=$($Ids.ActivityFeedRead)"
        $changes[3..7] | Should -Be (Expected $AfterConsent)
        $run.Text | Should -Match "POST https://api.partnercenter.microsoft.com/v1/customers/$($Ids.Customer)/applicationconsents"
        @($Fake.Calls | Where-Object { $_ -like 'Connect-ExchangeOnline*' }) | Should -Be @("Connect-ExchangeOnline DisableWAM=True Environment= DelegatedOrganization=$($Ids.Customer)")
    }
}

Describe '-Revoke' {
    BeforeEach {
        New-FakeCustomerTenant
        $script:BeforeConsent = Get-FakeState
        New-FakeCustomerTenant -Consented
        Invoke-OnboardScript @{ GrantThreatHunting = $true } | Out-Null
        $script:SpId = (Get-FakeProviderSp).Id
        $Fake.Calls.Clear()
    }

    It 'removes everything onboarding added, in reverse order, consent last' {
        $run = Invoke-OnboardScript @{ Revoke = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeState | Should -Be $BeforeConsent
        Get-FakeChanges | Should -Be @(
            'Remove-ManagementRoleAssignment Application Mail.Read'
            'Remove-ManagementRoleAssignment Application Mail.Send'
            'Remove-ManagementScope QRN sender notices@fabrikam.com'
            "Remove-ServicePrincipal $SpId"
            "Remove-MgRoleManagementDirectoryRoleAssignment role=$($Ids.SecurityReader)"
            "Remove-MgServicePrincipalAppRoleAssignment resource=$($Ids.GraphSp) role=$($Ids.ThreatHunting)"
            "Remove-MgServicePrincipalAppRoleAssignment resource=$($Ids.ManagementSp) role=$($Ids.ActivityFeedRead)"
            "Remove-MgServicePrincipalAppRoleAssignment resource=$($Ids.ExchangeSp) role=$($Ids.ManageAsApp)"
            "Remove-MgServicePrincipal $SpId"
        )
        $run.Lines | Should -Contain "  npm run tenants -- remove $($Ids.Customer) --yes"
    }

    It 'is idempotent: a second run changes nothing and says what is absent' {
        Invoke-OnboardScript @{ Revoke = $true } | Out-Null
        $Fake.Calls.Clear()
        $run = Invoke-OnboardScript @{ Revoke = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -BeNullOrEmpty
        $run.Text | Should -Not -Match '\[changed'
        @($run.Lines | Where-Object { $_ -like '`[absent*' }).Count | Should -BeGreaterOrEqual 6
    }

    It '-WhatIf changes nothing and prints every removal' {
        $before = Get-FakeState
        $run = Invoke-OnboardScript @{ Revoke = $true; WhatIf = $true }
        $run.ExitCode | Should -Be 0
        Get-FakeChanges | Should -BeNullOrEmpty
        Get-FakeState | Should -Be $before
        @($run.Lines | Where-Object { $_ -like '`[would change*' }).Count | Should -Be 9
    }

    It 'still removes the Exchange scope and assignments when the consent was already withdrawn' {
        $Fake.Identity = $null
        $run = Invoke-OnboardScript @{ Revoke = $true }
        $run.ExitCode | Should -Be 0
        $Fake.Scopes.Count | Should -Be 0
        $Fake.RoleAssignments.Count | Should -Be 0
        $Fake.ExoServicePrincipals.Count | Should -Be 0
    }
}
