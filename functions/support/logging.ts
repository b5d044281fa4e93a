import type { InvocationContext } from '@azure/functions';
import { formatLine, type Logger } from '../../shared/log/logger';

/** Routes product logs to the invocation, so Application Insights ties them to the run. */
export function contextLogger(context: InvocationContext): Logger {
  return {
    info: (m, f) => context.log(formatLine(m, f)),
    warn: (m, f) => context.warn(formatLine(m, f)),
    error: (m, f) => context.error(formatLine(m, f)),
  };
}
