#!/usr/bin/env node
'use strict';
/**
 * Runs a command (usually jest) so that it trusts the Microsoft 365 simulator's certificate.
 *
 *   node test/run-with-ca.js jest [jest args...]
 *   node test/run-with-ca.js npx jest test/simulator
 *
 * Node reads NODE_EXTRA_CA_CERTS once, when a process starts, so the certificate has to exist
 * before the test process does. This makes one in <repo>/.simulator/tls/ (or keeps the one there
 * while it is valid: concurrent runs share the folder, and replacing the certificate under a
 * running suite would break it), then runs the command with NODE_EXTRA_CA_CERTS pointing at it
 * (appended to any bundle already configured) and SIMULATOR_TLS_DIR telling the simulator which
 * certificate to serve. The command is looked up in
 * node_modules/.bin first, then on PATH. Its exit code and signals are passed through.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const repoRoot = path.resolve(__dirname, '..');
const { ensureCert, defaultTlsDir, trustBundle } = require(path.join(repoRoot, 'simulator', 'make-cert.js'));

function resolveCommand(command) {
  if (command.includes('/') || command.includes(path.sep)) return command;
  const names = process.platform === 'win32' ? [`${command}.cmd`, command] : [command];
  for (const name of names) {
    const local = path.join(repoRoot, 'node_modules', '.bin', name);
    if (fs.existsSync(local)) return local;
  }
  return command;
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    process.stderr.write('usage: node test/run-with-ca.js <command> [args...]   e.g. node test/run-with-ca.js jest\n');
    process.exit(2);
  }
  const dir = defaultTlsDir();
  const { certPath } = await ensureCert(dir);
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: trustBundle(dir, certPath), SIMULATOR_TLS_DIR: dir };

  const child = spawn(resolveCommand(command), args, {
    stdio: 'inherit',
    env,
    shell: process.platform === 'win32',
  });

  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);

  child.on('error', (error) => {
    process.stderr.write(`run-with-ca: cannot run ${command}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) {
      // Die of the same signal, so callers see what the child saw.
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code === null ? 1 : code);
  });
}

main().catch((error) => {
  process.stderr.write(`run-with-ca: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
