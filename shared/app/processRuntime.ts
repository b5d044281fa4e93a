import { SETTING_NAMES, type Env } from '../config/settings';
import { routedLogger, type Logger } from '../log/logger';
import { Deployment } from './deployment';
import type { Runtime } from './runtime';

let cached: { key: string; deployment: Deployment } | undefined;

const READ: ReadonlySet<string> = new Set(SETTING_NAMES);

/**
 * The Deployment of this Functions worker process (its own tenant's Runtime and one per customer
 * tenant), built on first use and kept: clients, tokens and tables outlive invocations, and the
 * logger writes to whichever invocation is running (runWithLogger). Settings are read again only if
 * the environment changed (tests do that; Azure restarts the worker when app settings change). A
 * settings error is not cached: every invocation reports it until it is fixed.
 */
export function processDeployment(fallbackLog: Logger, env: Env = process.env): Deployment {
  const key = JSON.stringify(
    Object.keys(env)
      .filter((name) => READ.has(name) || name.startsWith('AZURE_') || name.startsWith('AzureWebJobsStorage'))
      .sort()
      .map((name) => [name, env[name]]),
  );
  if (cached?.key !== key) cached = { key, deployment: new Deployment(env, routedLogger(fallbackLog)) };
  return cached.deployment;
}

/** The deployment's own tenant's Runtime (M365_TENANT_ID). */
export function processRuntime(fallbackLog: Logger, env: Env = process.env): Runtime {
  return processDeployment(fallbackLog, env).home;
}
