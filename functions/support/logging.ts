import type { InvocationContext } from '@azure/functions';
import type { Logger } from '../../shared/log/logger';

/** Routes product logs to the invocation, so Application Insights ties them to the run. */
export function contextLogger(context: InvocationContext): Logger {
  return { info: (m) => context.log(m), warn: (m) => context.warn(m), error: (m) => context.error(m) };
}
