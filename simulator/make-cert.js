'use strict';
/**
 * The one place the simulator's TLS certificate is made. Plain CommonJS on purpose: the test
 * launcher (test/run-with-ca.js) runs it before any TypeScript is compiled, and simulator/tls.ts
 * loads this same file, so there is a single implementation.
 *
 * The certificate is self-signed, for IP 127.0.0.1 and DNS localhost. Trusting it is the job of
 * NODE_EXTRA_CA_CERTS, which Node reads once, when a process starts.
 *
 * Several test runs share <repo>/.simulator/tls at once (each jest worker, and other engineers'
 * runs), and each trusts whatever cert.pem held when it started. So `ensureCert` keeps a valid
 * certificate instead of replacing it on every run; `makeCert` always makes a new one.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const CERT_FILE = 'cert.pem';
const KEY_FILE = 'key.pem';
const BUNDLE_FILE = 'ca-bundle.pem';
const VALID_DAYS = 365;
/** A kept certificate is replaced when it has less than this left. */
const RENEW_BEFORE_MS = 7 * 24 * 60 * 60 * 1000;

/** Writes through a temporary file and a rename, so a reader never sees half a PEM file. */
function writeAtomically(file, contents, mode) {
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, contents, { mode });
  fs.renameSync(temporary, file);
}

/**
 * Makes a fresh certificate and key in `dir` (created if missing) as cert.pem and key.pem.
 * @param {string} dir
 * @returns {Promise<{cert: string, key: string, certPath: string, keyPath: string}>}
 */
async function makeCert(dir) {
  const selfsigned = require('selfsigned');
  const now = Date.now();
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    // EC keys are made in milliseconds; a 2048-bit RSA key can take a second.
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    // A little slack for clocks that disagree.
    notBeforeDate: new Date(now - 60 * 60 * 1000),
    notAfterDate: new Date(now + VALID_DAYS * 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  fs.mkdirSync(dir, { recursive: true });
  const certPath = path.join(dir, CERT_FILE);
  const keyPath = path.join(dir, KEY_FILE);
  // Key first: a reader that sees the new certificate with the old key retries (see readCert).
  writeAtomically(keyPath, pems.private, 0o600);
  writeAtomically(certPath, pems.cert, 0o644);
  return { cert: pems.cert, key: pems.private, certPath, keyPath };
}

function readPair(dir) {
  const certPath = path.join(dir, CERT_FILE);
  const keyPath = path.join(dir, KEY_FILE);
  try {
    const cert = fs.readFileSync(certPath, 'utf8');
    const key = fs.readFileSync(keyPath, 'utf8');
    const x509 = new crypto.X509Certificate(cert);
    return { cert, key, certPath, keyPath, x509, matches: x509.checkPrivateKey(crypto.createPrivateKey(key)) };
  } catch {
    return undefined;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Reads the certificate and key in `dir`, or undefined when they are missing or unreadable. A
 * certificate and key that do not belong together (another process is replacing them right now)
 * are read again for up to a second.
 * @param {string} dir
 * @returns {{cert: string, key: string, certPath: string, keyPath: string} | undefined}
 */
function readCert(dir) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = readPair(dir);
    if (!pair) return undefined;
    if (pair.matches) return { cert: pair.cert, key: pair.key, certPath: pair.certPath, keyPath: pair.keyPath };
    sleep(50);
  }
  return undefined;
}

/** Whether a kept certificate can still be served: matching key, our names, not about to expire. */
function usable(dir) {
  const pair = readPair(dir);
  if (!pair || !pair.matches) return false;
  const names = pair.x509.subjectAltName || '';
  return names.includes('IP Address:127.0.0.1') && Date.parse(pair.x509.validTo) - Date.now() > RENEW_BEFORE_MS;
}

/**
 * The certificate in `dir` when it is still good, else a new one there.
 * @param {string} dir
 * @returns {Promise<{cert: string, key: string, certPath: string, keyPath: string}>}
 */
async function ensureCert(dir) {
  if (usable(dir)) {
    const kept = readCert(dir);
    if (kept) return kept;
  }
  return makeCert(dir);
}

/** The repository root: the nearest folder above `start` that holds a package.json. */
function findRepoRoot(start) {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}`);
    dir = parent;
  }
}

/** Where the launcher and the standalone simulator keep the certificate: <repo>/.simulator/tls. */
function defaultTlsDir() {
  return path.join(findRepoRoot(__dirname), '.simulator', 'tls');
}

/**
 * The file to put in NODE_EXTRA_CA_CERTS so a process trusts `certPath` *and* whatever bundle
 * `existing` (by default the current NODE_EXTRA_CA_CERTS, e.g. a corporate proxy's CA) names.
 * Node takes one file only, so both are written to <dir>/ca-bundle.pem (atomically: concurrent
 * runs write the same contents). No existing bundle, or one that already holds the certificate
 * (a process started by the test launcher): that file is returned as it is.
 * @param {string} dir
 * @param {string} certPath
 * @param {string | undefined} [existing]
 * @returns {string}
 */
function trustBundle(dir, certPath, existing = process.env.NODE_EXTRA_CA_CERTS) {
  if (!existing || path.resolve(existing) === path.resolve(certPath) || !fs.existsSync(existing)) return certPath;
  const current = fs.readFileSync(existing, 'utf8');
  const cert = fs.readFileSync(certPath, 'utf8');
  if (current.includes(cert.trim())) return existing;
  const bundlePath = path.join(dir, BUNDLE_FILE);
  writeAtomically(bundlePath, `${current.trimEnd()}\n${cert}`, 0o644);
  return bundlePath;
}

module.exports = {
  makeCert,
  ensureCert,
  readCert,
  trustBundle,
  findRepoRoot,
  defaultTlsDir,
  CERT_FILE,
  KEY_FILE,
  BUNDLE_FILE,
};
