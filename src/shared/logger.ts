import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout; secrets never reach them (config values marked secret are not logged). */
export function createLogger(level: string, name = 'tracker'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
