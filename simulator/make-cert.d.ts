/** Types for make-cert.js (plain CommonJS so the test launcher can run it before any build). */

export interface CertFiles {
  /** PEM certificate. */
  cert: string;
  /** PEM private key. */
  key: string;
  certPath: string;
  keyPath: string;
}

/** Always makes a new certificate and key in dir. */
export function makeCert(dir: string): Promise<CertFiles>;
/** The certificate in dir while it is still good (matching key, 127.0.0.1, > 7 days left), else a new one. */
export function ensureCert(dir: string): Promise<CertFiles>;
/** The certificate and key in dir, or undefined when missing. */
export function readCert(dir: string): CertFiles | undefined;
/**
 * The file for NODE_EXTRA_CA_CERTS that trusts certPath and the bundle `existing` names (default:
 * the current NODE_EXTRA_CA_CERTS): <dir>/ca-bundle.pem, or certPath / existing when no merge is needed.
 */
export function trustBundle(dir: string, certPath: string, existing?: string): string;
export function findRepoRoot(start: string): string;
export function defaultTlsDir(): string;
export const CERT_FILE: string;
export const KEY_FILE: string;
export const BUNDLE_FILE: string;
