/**
 * The simulator's TLS certificate. The work is done by make-cert.js (plain JS, shared with the test
 * launcher); this module finds it both from the sources (ts-jest) and from dist/ (tsc does not copy
 * .js files), and types it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

type MakeCertModule = typeof import('./make-cert');
export type { CertFiles } from './make-cert';

function repoRootFrom(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`simulator: no package.json above ${start}`);
    dir = parent;
  }
}

const REPO_ROOT = repoRootFrom(__dirname);
const makeCertModule = createRequire(__filename)(path.join(REPO_ROOT, 'simulator', 'make-cert.js')) as MakeCertModule;

export interface Tls {
  cert: string;
  key: string;
  certPath: string;
}

/** <repo>/.simulator/tls: where the launcher and the standalone simulator keep the certificate. */
export const DEFAULT_TLS_DIR = path.join(REPO_ROOT, '.simulator', 'tls');

/** Makes a fresh self-signed certificate for 127.0.0.1 and localhost in `dir` (cert.pem, key.pem). */
export async function createTls(dir: string): Promise<Tls> {
  const { cert, key, certPath } = await makeCertModule.makeCert(dir);
  return { cert, key, certPath };
}

/**
 * The certificate a simulator should serve: the one in SIMULATOR_TLS_DIR when the test launcher set
 * it (its certificate is the one NODE_EXTRA_CA_CERTS trusts), else the one in DEFAULT_TLS_DIR,
 * made there if missing or nearly expired. It is kept rather than replaced on every start because
 * concurrent test runs share that folder, and each trusts the certificate it found at its start.
 */
export async function loadOrCreateTls(env: NodeJS.ProcessEnv = process.env): Promise<Tls> {
  const dir = env.SIMULATOR_TLS_DIR?.trim();
  if (dir) {
    const existing = makeCertModule.readCert(dir);
    if (existing) return { cert: existing.cert, key: existing.key, certPath: existing.certPath };
  }
  const { cert, key, certPath } = await makeCertModule.ensureCert(dir || DEFAULT_TLS_DIR);
  return { cert, key, certPath };
}
