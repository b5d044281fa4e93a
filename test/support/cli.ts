import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface CliRun {
  code: number | null;
  /** Every stdout line but the last. */
  stdout: string[];
  stderr: string;
  /** The last stdout line: the command's JSON summary. */
  summary: Record<string, unknown>;
}

const ROOT = resolve(__dirname, '../..');

/**
 * The command line as an admin runs it: the project built once for the suite (its own output folder
 * inside the repository, so node_modules resolves, apart from dist/, which other suites build and run),
 * each command in its own process with exactly the settings given (plus PATH, HOME and the simulator's CA).
 */
export function builtCommandLine(name: string): {
  run(command: string, env: Record<string, string>, options?: { cwd?: string; args?: string[] }): Promise<CliRun>;
} {
  const build = join(ROOT, 'node_modules/.cache', name, String(process.pid));
  beforeAll(() => {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', build],
      { stdio: 'inherit' },
    );
  }, 120_000);
  afterAll(() => rmSync(build, { recursive: true, force: true }));
  return {
    run: (command, env, options = {}) => {
      const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), `${name}-`));
      const base = {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '',
      };
      return new Promise((done, fail) => {
        const child = spawn(process.execPath, [join(build, 'shared/cli', `${command}.js`), ...(options.args ?? [])], {
          cwd,
          env: { ...base, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('error', fail);
        child.on('close', (code) => {
          const lines = stdout.trimEnd().split('\n');
          try {
            const summary = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
            done({ code, stdout: lines.slice(0, -1), stderr, summary });
          } catch {
            fail(new Error(`last stdout line is not JSON:\n${stdout}\n${stderr}`));
          }
        });
      });
    },
  };
}
