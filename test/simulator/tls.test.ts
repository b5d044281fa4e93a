import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { M365Simulator } from '../../simulator';
import { createTls } from '../../simulator/tls';
import './helpers';

const repoRoot = path.resolve(__dirname, '..', '..');

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: repoRoot, env }, (error, stdout) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
      resolve({ code, stdout });
    });
  });
}

describe('simulator TLS and the test launcher', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-tls-'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('createTls writes a self-signed certificate for 127.0.0.1 and localhost', async () => {
    const tls = await createTls(dir);
    expect(tls.certPath).toBe(path.join(dir, 'cert.pem'));
    expect(fs.readFileSync(path.join(dir, 'key.pem'), 'utf8')).toBe(tls.key);
    const x509 = new X509Certificate(tls.cert);
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.issuer).toBe(x509.subject);
  });

  it('serves the launcher certificate, the one this process trusts', async () => {
    const sim = await M365Simulator.start();
    try {
      expect(path.dirname(sim.caCertPath)).toBe(process.env.SIMULATOR_TLS_DIR);
      const trusted = fs.readFileSync(process.env.NODE_EXTRA_CA_CERTS ?? '', 'utf8');
      expect(trusted).toContain(fs.readFileSync(sim.caCertPath, 'utf8').trim());
      const reply = await fetch(`${sim.authorityHost}/${sim.tenantId}/v2.0/.well-known/openid-configuration`);
      expect(reply.status).toBe(200);
    } finally {
      await sim.stop();
    }
  });

  it('the launcher passes NODE_EXTRA_CA_CERTS and SIMULATOR_TLS_DIR, and the exit code, to its command', async () => {
    const script =
      'console.log(JSON.stringify({ ca: process.env.NODE_EXTRA_CA_CERTS, dir: process.env.SIMULATOR_TLS_DIR })); process.exit(3)';
    const { code, stdout } = await run(process.execPath, ['test/run-with-ca.js', process.execPath, '-e', script]);
    expect(code).toBe(3);
    const seen = JSON.parse(stdout) as { ca: string; dir: string };
    expect(seen.dir).toBe(path.join(repoRoot, '.simulator', 'tls'));
    expect(fs.readFileSync(seen.ca, 'utf8')).toContain(fs.readFileSync(path.join(seen.dir, 'cert.pem'), 'utf8').trim());
  });

  it('a child process given NODE_EXTRA_CA_CERTS = sim.caCertPath trusts the simulator', async () => {
    const sim = await M365Simulator.start();
    try {
      const script = `fetch(${JSON.stringify(`${sim.authorityHost}/common/discovery/instance`)}).then((r) => console.log(r.status), (e) => console.log(String(e.cause ?? e)))`;
      const { stdout } = await run(process.execPath, ['-e', script], {
        ...process.env,
        NODE_EXTRA_CA_CERTS: sim.caCertPath,
      });
      expect(stdout.trim()).toBe('200');
    } finally {
      await sim.stop();
    }
  });
});
