#!/usr/bin/env node
'use strict';
/**
 * Stages the deployment package in .deploy/ (azure.yaml: dist: .deploy, run by azd's prepackage hook):
 * a clean build of the functions and the product code, host.json, package.json and the PRODUCTION
 * dependencies only. azd zips that folder as it is; the Flex Consumption app runs it without building
 * (remoteBuild: false).
 *
 *   node infra/stage-package.js            build, stage, print size and file count
 *   node infra/stage-package.js --measure  also print what the package held before (the whole project
 *                                          folder less .funcignore: every dev dependency included)
 *
 * The production node_modules is the developer's own, pruned: `npm prune --omit=dev` on a copy, so the
 * modules shipped are the ones the tests ran against. The one native module, @resvg/resvg-js (the
 * report's chart), loads a per-platform binary package: the Flex Consumption platform is Linux x64
 * (glibc), so the staged copy always holds @resvg/resvg-js-linux-x64-gnu of the same version, fetched
 * with `npm pack` when this machine is not Linux x64, and no other platform's binary. When it cannot
 * be had, staging stops with a message saying why (a package without it would fail every report).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const STAGE = path.join(ROOT, '.deploy');
// Compiled folders that are not part of the product (tests, the local Microsoft 365 simulator).
const NOT_SHIPPED = new Set(['test', 'simulator']);

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    process.stderr.write(`stage-package: ${command} ${args.join(' ')} failed (exit ${result.status})\n`);
    process.exit(result.status || 1);
  }
}

/** Bytes and files under dir, skipping top-level entries the filter rejects. */
function measure(dir, keep = () => true) {
  let bytes = 0;
  let files = 0;
  const walk = (current, top) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      if (top && !keep(entry.name)) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full, false);
      else if (entry.isFile()) {
        bytes += fs.statSync(full).size;
        files += 1;
      }
    }
  };
  walk(dir, true);
  return { bytes, files };
}

/**
 * Copies the production dependency tree into .deploy/node_modules. Fast path: exactly the folders
 * `npm ls --omit=dev --all --parseable` lists (each without its nested node_modules, which are listed on
 * their own). When npm ls reports a problem with the tree, the slow and sure path: copy everything and
 * let `npm prune --omit=dev` remove the rest.
 */
function copyProductionModules() {
  const modules = path.join(ROOT, 'node_modules');
  const ls = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
    encoding: 'utf8',
    shell: process.platform === 'win32',
    maxBuffer: 64 * 1024 * 1024,
  });
  const dirs = (ls.stdout ?? '')
    .split(/\r?\n/)
    .filter((line) => line && path.resolve(line).startsWith(modules + path.sep));
  if (ls.status === 0 && dirs.length > 0) {
    for (const dir of dirs) {
      const target = path.join(STAGE, 'node_modules', path.relative(modules, dir));
      fs.cpSync(dir, target, {
        recursive: true,
        verbatimSymlinks: true,
        filter: (source) => source === dir || !path.relative(dir, source).split(path.sep).includes('node_modules'),
      });
    }
    return;
  }
  process.stderr.write(
    `stage-package: npm ls --omit=dev exited ${ls.status}; copying node_modules and pruning instead\n`,
  );
  fs.cpSync(modules, path.join(STAGE, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  run('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], STAGE);
  removeEmptyFolders(path.join(STAGE, 'node_modules'));
}

/** npm prune leaves the scope folders (@jest, @eslint, ...) of what it removed behind, empty. */
function removeEmptyFolders(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyFolders(path.join(dir, entry.name));
  }
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The native packages the app needs on the platform (Linux x64, glibc): package -> its binary package. */
const NATIVE = { '@resvg/resvg-js': '@resvg/resvg-js-linux-x64-gnu' };

/** Every other platform's binary of `pkg` that the staging machine brought along is dropped; the Linux one is put in. */
function stageLinuxBinary(pkg, linuxPkg) {
  const modules = path.join(STAGE, 'node_modules');
  const manifest = JSON.parse(fs.readFileSync(path.join(modules, pkg, 'package.json'), 'utf8'));
  const version = (manifest.optionalDependencies || {})[linuxPkg];
  if (!version) throw new Error(`${pkg} ${manifest.version} does not list ${linuxPkg}: update infra/stage-package.js`);
  for (const other of Object.keys(manifest.optionalDependencies || {}))
    if (other !== linuxPkg) fs.rmSync(path.join(modules, other), { recursive: true, force: true });
  const target = path.join(modules, linuxPkg);
  const have = fs.existsSync(path.join(target, 'package.json'))
    ? JSON.parse(fs.readFileSync(path.join(target, 'package.json'), 'utf8')).version
    : undefined;
  if (have === version) return `${linuxPkg} ${version} (from this machine)`;
  const temp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'qrn-native-'));
  try {
    const pack = spawnSync('npm', ['pack', `${linuxPkg}@${version}`, '--silent'], {
      cwd: temp,
      encoding: 'utf8',
      shell: process.platform === 'win32',
    });
    const tarball = pack.status === 0 ? pack.stdout.trim().split('\n').pop() : undefined;
    if (!tarball) throw new Error(`npm pack ${linuxPkg}@${version} failed: ${(pack.stderr || '').trim()}`);
    const untar = spawnSync('tar', ['-xzf', tarball], { cwd: temp, encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`tar could not unpack ${tarball}: ${(untar.stderr || '').trim()}`);
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(path.join(temp, 'package'), target, { recursive: true });
    return `${linuxPkg} ${version} (fetched for Linux x64: this machine is ${process.platform} ${process.arch})`;
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

function stageNativeModules() {
  for (const [pkg, linuxPkg] of Object.entries(NATIVE)) {
    if (!fs.existsSync(path.join(STAGE, 'node_modules', pkg))) continue;
    try {
      process.stdout.write(`stage-package: native ${stageLinuxBinary(pkg, linuxPkg)}\n`);
    } catch (error) {
      process.stderr.write(
        `stage-package: cannot stage the Linux x64 binary of ${pkg}, which the platform needs (${error.message}). ` +
          'Deploy from Linux x64 or CI, or give this machine access to the npm registry.\n',
      );
      process.exit(1);
    }
  }
}

function main() {
  if (!fs.existsSync(path.join(ROOT, 'node_modules'))) {
    process.stderr.write('stage-package: node_modules is missing: run npm install first\n');
    process.exit(1);
  }
  // A clean build: `npm run build` empties dist/ first, so a renamed or deleted function is not shipped.
  run('npm', ['run', 'build', '--silent'], ROOT);

  fs.rmSync(STAGE, { recursive: true, force: true });
  fs.mkdirSync(STAGE);
  for (const file of ['host.json', 'package.json', 'package-lock.json', '.funcignore']) {
    fs.copyFileSync(path.join(ROOT, file), path.join(STAGE, file));
  }
  fs.cpSync(path.join(ROOT, 'dist'), path.join(STAGE, 'dist'), {
    recursive: true,
    filter: (source) => {
      const inDist = path.relative(path.join(ROOT, 'dist'), source).split(path.sep);
      return !NOT_SHIPPED.has(inDist[0]) && !source.endsWith('.js.map');
    },
  });
  copyProductionModules();
  stageNativeModules();
  const staged = measure(STAGE);
  process.stdout.write(
    `stage-package: .deploy holds ${mb(staged.bytes)} in ${staged.files} files (production dependencies only)\n`,
  );
  if (process.argv.includes('--measure')) {
    // What azd zipped before: the project folder less what the old .funcignore dropped, i.e. the whole
    // node_modules, dist/ without test/ and simulator/, host.json and the package files.
    const modules = measure(path.join(ROOT, 'node_modules'));
    const dist = measure(path.join(ROOT, 'dist'), (name) => !NOT_SHIPPED.has(name));
    const small = ['host.json', 'package.json', 'package-lock.json'].map(
      (file) => fs.statSync(path.join(ROOT, file)).size,
    );
    const before = {
      bytes: modules.bytes + dist.bytes + small.reduce((a, b) => a + b, 0),
      files: modules.files + dist.files + small.length,
    };
    process.stdout.write(
      `stage-package: the whole project folder would be ${mb(before.bytes)} in ${before.files} files (every dev dependency included)\n`,
    );
  }
}

main();
