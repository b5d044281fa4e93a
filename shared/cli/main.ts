import { loadSettings, type Env, type Settings } from '../config/settings';
import { Runtime } from '../app/runtime';
import { consoleLogger } from '../log/logger';
import { prepareCommandLineEnv } from './environment';
import { messageOf } from '../log/errors';

/**
 * Runs one command-line job: progress on stderr, a one-line JSON summary as the last stdout line,
 * exit code 0 on success, 1 with one clear line on failure.
 */
export async function runCommand(
  name: string,
  job: (runtime: Runtime) => Promise<object>,
  settingsFrom: (env: Env) => Settings = loadSettings,
): Promise<void> {
  try {
    const runtime = new Runtime(settingsFrom(prepareCommandLineEnv()), consoleLogger);
    const summary = await job(runtime);
    process.stdout.write(`${JSON.stringify({ command: name, ok: true, ...summary })}\n`);
    process.exitCode = 0;
  } catch (error) {
    const message = messageOf(error);
    process.stderr.write(`${name} failed: ${message}\n`);
    process.stdout.write(`${JSON.stringify({ command: name, ok: false, error: message })}\n`);
    process.exitCode = 1;
  }
}
