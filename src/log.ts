// The process-wide pino logger: JSON lines on stderr, level from LOG_LEVEL.
import { pino } from 'pino';

export const log = pino(
  { level: process.env.LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  pino.destination(2),
);

export type Logger = typeof log;
