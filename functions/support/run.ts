import type { InvocationContext } from '@azure/functions';
import { processRuntime } from '../../shared/app/processRuntime';
import type { Runtime } from '../../shared/app/runtime';
import { messageOf } from '../../shared/log/errors';
import { runWithLogger, type Logger } from '../../shared/log/logger';
import { contextLogger } from './logging';

/** Runs `work` with this process's Runtime, every log line of it going to this invocation. */
export function inInvocation<T>(
  context: InvocationContext,
  work: (runtime: Runtime, log: Logger) => Promise<T>,
): Promise<T> {
  const log = contextLogger(context);
  return runWithLogger(log, () => work(processRuntime(log), log));
}

const STAGES = { snapshot: 'snapshot', detect: 'detection', report: 'report' } as const;

/**
 * Runs one timer job: its summary as one `summary <name> {...}` trace, or its failure as one error
 * trace carrying the fix (the same text `npm run doctor` prints), then rethrown so the run shows failed.
 */
export async function runTimerJob(
  name: 'snapshot' | 'detect' | 'report',
  context: InvocationContext,
  job: (runtime: Runtime) => Promise<object>,
): Promise<void> {
  const log = contextLogger(context);
  try {
    // The stage's health is kept either way: a failure opens its problem, a success clears it.
    const summary = await inInvocation(context, (runtime) => runtime.runStage(STAGES[name], () => job(runtime)));
    log.info(`summary ${name}`, { ...summary });
  } catch (error) {
    log.error(`${name} failed: ${messageOf(error)}`);
    throw error;
  }
}
