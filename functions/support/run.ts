import type { InvocationContext } from '@azure/functions';
import { Runtime } from '../../shared/app/runtime';
import { loadSettings } from '../../shared/config/settings';
import { contextLogger } from './logging';

/**
 * Runs one timer job: its summary as one `summary <name> {...}` trace, or its failure as one error
 * trace carrying the fix (the same text `npm run doctor` prints), then rethrown so the run shows failed.
 */
export async function runTimerJob(name: string, context: InvocationContext, job: (runtime: Runtime) => Promise<object>): Promise<void> {
  const log = contextLogger(context);
  try {
    const summary = await job(new Runtime(loadSettings(), log));
    log.info(`summary ${name} ${JSON.stringify(summary)}`);
  } catch (error) {
    log.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}
