#!/usr/bin/env node
'use strict';
/**
 * Checks infra/ with the real tools (installed by infra/install-tools.sh into .tools/):
 *   - every infra/**\/*.bicep compiled (bicep build) and linted (bicep lint): 0 errors and 0 warnings
 *     each (a warning is fixed, or silenced next to its line with #disable-next-line and a reason);
 *   - every .ps1 under infra/ and test/infra/ parsed, and the Pester tests in test/infra/ run.
 *
 *   node infra/check.js            prints one line per Bicep file and the Pester summary; exit 0 when clean
 *   node infra/check.js --probe    prints which tools are there; exit 0 when all are, 3 when not
 *
 * It writes what it found to .tools/infra-check.json (read by test/infra/infra-tools.integration.test.ts) and the
 * printed lines to .tools/infra-check.log (shown by .ci/run). Exit 3 means the tools are missing and
 * nothing was checked: that is never a pass.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
// Keep in step with infra/install-tools.sh.
const BICEP_VERSION = '0.49.2';
const PESTER_VERSION = '5.7.1';

function firstExisting(candidates) {
  return candidates.find((candidate) => candidate && fs.existsSync(candidate));
}

function findTools() {
  return {
    bicep: firstExisting([
      process.env.BICEP_CLI,
      path.join(TOOLS, 'nuget', 'azure.bicep.commandline.linux-x64', BICEP_VERSION, 'tools', 'bicep'),
    ]),
    pwsh: firstExisting([process.env.PWSH, path.join(TOOLS, 'pwsh', 'pwsh')]),
    pester: firstExisting([path.join(TOOLS, 'nuget', 'pester', PESTER_VERSION, 'tools', 'Pester.psd1')]),
  };
}

function filesUnder(dir, extension) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(full, extension));
    else if (entry.name.endsWith(extension)) found.push(full);
  }
  return found.sort();
}

// Default diagnostics format: "<path>(<line>,<col>) : <Error|Warning|Info> <code>: <message>"
const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\) : (Error|Warning|Info) ([^:]+): (.*)$/;

function runBicep(bicep, verb, extra) {
  const result = spawnSync(bicep, [verb, '--pattern', 'infra/**/*.bicep', ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  const lines = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.split('\n').filter((line) => line.trim());
  const diagnostics = [];
  const other = [];
  for (const line of lines) {
    const match = DIAGNOSTIC.exec(line);
    if (match)
      diagnostics.push({
        file: path.relative(ROOT, match[1]),
        line: Number(match[2]),
        level: match[4],
        code: match[5],
        message: match[6],
      });
    else other.push(line);
  }
  // A non-zero exit without a parsed error (a crash, a bad pattern) still fails.
  const crashed = result.status !== 0 && !diagnostics.some((d) => d.level === 'Error');
  return { diagnostics, crashed, output: other.join('\n'), status: result.status };
}

function checkBicep(bicep) {
  const files = filesUnder(path.join(ROOT, 'infra'), '.bicep').map((file) => path.relative(ROOT, file));
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bicep-build-'));
  const started = Date.now();
  const build = runBicep(bicep, 'build', ['--outdir', outdir]);
  const lint = runBicep(bicep, 'lint', []);
  fs.rmSync(outdir, { recursive: true, force: true });
  const count = (diagnostics, file, level) => diagnostics.filter((d) => d.file === file && d.level === level).length;
  const results = files.map((file) => ({
    file,
    buildErrors: count(build.diagnostics, file, 'Error'),
    buildWarnings: count(build.diagnostics, file, 'Warning'),
    lintErrors: count(lint.diagnostics, file, 'Error'),
    lintWarnings: count(lint.diagnostics, file, 'Warning'),
    diagnostics: [...build.diagnostics, ...lint.diagnostics].filter((d) => d.file === file && d.level !== 'Info'),
  }));
  const problems = [];
  if (build.crashed) problems.push(`bicep build exited ${build.status}: ${build.output}`);
  if (lint.crashed) problems.push(`bicep lint exited ${lint.status}: ${lint.output}`);
  return { files: results, problems, seconds: (Date.now() - started) / 1000 };
}

const PESTER_SCRIPT = `
$ErrorActionPreference = 'Stop'
Import-Module '${'${PESTER}'}'
$parseErrors = @()
foreach ($file in @(Get-ChildItem -Recurse -Filter *.ps1 -Path '${'${INFRA}'}', '${'${TESTS}'}')) {
    $tokens = $null; $errors = $null
    [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$tokens, [ref]$errors) | Out-Null
    foreach ($e in @($errors)) { if ($e) { $parseErrors += "$($file.FullName):$($e.Extent.StartLineNumber): $($e.Message)" } }
}
$config = New-PesterConfiguration
$config.Run.Path = '${'${TESTS}'}'
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$result = Invoke-Pester -Configuration $config
$summary = [ordered]@{
    passed = $result.PassedCount; failed = $result.FailedCount; skipped = $result.SkippedCount
    failedTests = @($result.Failed | ForEach-Object { $_.ExpandedPath })
    parseErrors = $parseErrors
}
'INFRA-CHECK-PESTER ' + ($summary | ConvertTo-Json -Compress)
`;

function checkPowerShell(pwsh, pester) {
  const quote = (text) => text.replace(/'/g, "''");
  // Function replacers: a path holding `$&` or `$'` must stay as it is.
  const script = PESTER_SCRIPT.replace('${PESTER}', () => quote(pester))
    .replace('${INFRA}', () => quote(path.join(ROOT, 'infra')))
    .replaceAll('${TESTS}', () => quote(path.join(ROOT, 'test', 'infra')));
  const started = Date.now();
  // A script file, not -Command - : pwsh reading stdin behaves like a console and decorates its output.
  const scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-check-'));
  const scriptFile = path.join(scriptDir, 'run-pester.ps1');
  fs.writeFileSync(scriptFile, script);
  const result = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-NoLogo', '-File', scriptFile], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      POWERSHELL_TELEMETRY_OPTOUT: '1',
      NO_COLOR: '1',
      TERM: 'dumb',
    },
  });
  fs.rmSync(scriptDir, { recursive: true, force: true });
  const found = /INFRA-CHECK-PESTER (\{.*\})/.exec(result.stdout ?? '');
  const marker = found ? found[1] : undefined;
  if (!marker) {
    return {
      passed: 0,
      failed: 0,
      skipped: 0,
      failedTests: [],
      parseErrors: [],
      problems: [`pwsh exited ${result.status}: ${(result.stderr || result.stdout || '').slice(-4000)}`],
      seconds: (Date.now() - started) / 1000,
      output: result.stdout,
    };
  }
  const summary = JSON.parse(marker);
  return {
    ...summary,
    failedTests: summary.failedTests ?? [],
    parseErrors: summary.parseErrors ?? [],
    problems: [],
    seconds: (Date.now() - started) / 1000,
    output: result.stdout,
  };
}

function main() {
  const tools = findTools();
  const missing = Object.entries(tools)
    .filter(([, found]) => !found)
    .map(([name]) => name);
  if (process.argv.includes('--probe')) {
    process.stdout.write(JSON.stringify({ tools, missing }) + '\n');
    process.exit(missing.length ? 3 : 0);
  }
  fs.mkdirSync(TOOLS, { recursive: true });
  const log = [];
  const say = (line) => {
    log.push(line);
    process.stdout.write(line + '\n');
  };
  if (missing.length) {
    say(
      `infra checks NOT run: ${missing.join(', ')} not installed (bash infra/install-tools.sh installs them; needs the .NET SDK)`,
    );
    fs.writeFileSync(path.join(TOOLS, 'infra-check.log'), log.join('\n') + '\n');
    process.exit(3);
  }

  const bicep = checkBicep(tools.bicep);
  for (const file of bicep.files) {
    say(
      `bicep ${file.file}: build ${file.buildErrors} errors, ${file.buildWarnings} warnings; lint ${file.lintErrors} errors, ${file.lintWarnings} warnings`,
    );
    for (const d of file.diagnostics) say(`  ${d.file}:${d.line} ${d.level} ${d.code}: ${d.message}`);
  }
  for (const problem of bicep.problems) say(`bicep: ${problem}`);
  say(`bicep: ${bicep.files.length} files in ${bicep.seconds.toFixed(1)} s (Bicep CLI ${BICEP_VERSION})`);

  const ps = checkPowerShell(tools.pwsh, tools.pester);
  if (process.argv.includes('--verbose') || ps.failed || ps.problems.length) process.stdout.write(ps.output ?? '');
  for (const error of ps.parseErrors) say(`powershell parse error: ${error}`);
  for (const name of ps.failedTests) say(`pester failed: ${name}`);
  for (const problem of ps.problems) say(`pester: ${problem}`);
  say(`pester: ${ps.passed} passed, ${ps.failed} failed (Pester ${PESTER_VERSION}, ${ps.seconds.toFixed(1)} s)`);

  const bicepClean =
    bicep.problems.length === 0 &&
    bicep.files.length > 0 &&
    bicep.files.every((f) => f.buildErrors + f.buildWarnings + f.lintErrors + f.lintWarnings === 0);
  const psClean = ps.problems.length === 0 && ps.parseErrors.length === 0 && ps.failed === 0 && ps.passed > 0;
  const summary = {
    bicep: bicep.files.map(({ diagnostics: _diagnostics, ...counts }) => counts),
    bicepProblems: bicep.problems,
    pester: {
      passed: ps.passed,
      failed: ps.failed,
      skipped: ps.skipped,
      failedTests: ps.failedTests,
      parseErrors: ps.parseErrors,
      problems: ps.problems,
    },
    ok: bicepClean && psClean,
  };
  fs.writeFileSync(path.join(TOOLS, 'infra-check.json'), JSON.stringify(summary, null, 2) + '\n');
  fs.writeFileSync(path.join(TOOLS, 'infra-check.log'), log.join('\n') + '\n');
  process.exit(summary.ok ? 0 : 1);
}

main();
