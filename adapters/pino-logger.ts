/**
 * The Logger port on pino: one JSON line per record, on stderr (stdout is kept for program output,
 * such as the CLI's). Callers pass ids and codes only; see core/logger.ts.
 */
import pino from 'pino';
import { logContext, type Logger } from '../core/logger';

export function createLogger(
  level: 'debug' | 'info' | 'warn' | 'error' | 'silent',
  name = 'esafety',
): Logger {
  return pino(
    // The mixin adds the running invocation's fields (its id) to every line, however deep.
    {
      name,
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => ({ ...logContext() }),
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
