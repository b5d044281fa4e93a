import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Env } from '../config/settings';
import { messageOf } from '../log/errors';
import { printable } from '../log/logger';

/**
 * Settings for command-line runs: the process environment, plus the Values of local.settings.json
 * (the file `func start` reads) for names the environment does not set.
 */
export function commandLineEnv(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Env {
  const file = resolve(cwd, 'local.settings.json');
  if (!existsSync(file)) return env;
  let values: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const found = typeof parsed === 'object' && parsed !== null ? (parsed as { Values?: unknown }).Values : undefined;
    if (found !== undefined && (typeof found !== 'object' || found === null || Array.isArray(found)))
      throw new Error('"Values" is not an object of setting names and values');
    values = (found as Record<string, unknown> | undefined) ?? {};
  } catch (error) {
    // One line an admin can act on; JSON.parse says where, the usual cause is a trailing comma.
    throw new Error(
      `local.settings.json is not valid (${printable(messageOf(error), 160)}): fix it (a trailing comma or a missing quote is the usual cause), ` +
        'or move it away to use environment variables only.',
    );
  }
  const merged: Record<string, string | undefined> = {};
  // func start takes numbers and booleans too ("NOTIFY_MAX_PER_MINUTE": 30); so do we.
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string') merged[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') merged[name] = String(value);
  }
  return { ...merged, ...env };
}

/**
 * The command-line environment, with local.settings.json values also copied into process.env:
 * @azure/identity reads AZURE_* from there.
 */
export function prepareCommandLineEnv(): Env {
  const env = commandLineEnv();
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && process.env[key] === undefined) process.env[key] = value;
  return env;
}
