import { loadSettings, SETTING_NAMES, type Env } from '../config/settings';
import { routedLogger, type Logger } from '../log/logger';
import { Runtime } from './runtime';

let cached: { key: string; runtime: Runtime } | undefined;

const READ: ReadonlySet<string> = new Set(SETTING_NAMES);

/**
 * The Runtime of this Functions worker process, built on first use and kept: its clients, tokens and
 * tables outlive invocations, and its logger writes to whichever invocation is running
 * (runWithLogger). Settings are read again only if the environment changed (tests do that; Azure
 * restarts the worker when app settings change). A settings error is not cached: every invocation
 * reports it until it is fixed.
 */
export function processRuntime(fallbackLog: Logger, env: Env = process.env): Runtime {
  const key = JSON.stringify(
    Object.keys(env)
      .filter((name) => READ.has(name) || name.startsWith('AZURE_') || name.startsWith('AzureWebJobsStorage'))
      .sort()
      .map((name) => [name, env[name]]),
  );
  if (cached?.key !== key) cached = { key, runtime: new Runtime(loadSettings(env), routedLogger(fallbackLog)) };
  return cached.runtime;
}
