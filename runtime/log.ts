// Structured JSON logs (pino). Parameter values and secrets are never logged:
// callers pass ids, names and outcomes only.
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger; `level` defaults to OPSDECK_LOG_LEVEL or info. */
export function createLogger(level = process.env.OPSDECK_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'opsdeck' }, timestamp: pino.stdTimeFunctions.isoTime });
}
