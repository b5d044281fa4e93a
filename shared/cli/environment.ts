import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Env } from '../config/settings';
import { messageOf } from '../log/errors';

/**
 * Settings for command-line runs: the process environment, plus the Values of local.settings.json
 * (the file `func start` reads) for names the environment does not set.
 */
export function commandLineEnv(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Env {
  const file = resolve(cwd, 'local.settings.json');
  if (!existsSync(file)) return env;
  let values: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, unknown> };
    values = parsed.Values ?? {};
  } catch (error) {
    throw new Error(`local.settings.json is not valid JSON (${messageOf(error)})`);
  }
  const merged: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(values)) if (typeof value === 'string') merged[name] = value;
  return { ...merged, ...env };
}

/**
 * The command-line environment, with local.settings.json values also copied into process.env:
 * @azure/identity reads AZURE_* from there.
 */
export function prepareCommandLineEnv(): Env {
  const env = commandLineEnv();
  for (const [key, value] of Object.entries(env)) if (value !== undefined && process.env[key] === undefined) process.env[key] = value;
  return env;
}
