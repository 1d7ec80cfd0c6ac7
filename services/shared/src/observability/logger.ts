import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** A JSON pino logger for one service; secret-looking fields are redacted wherever they appear. */
export function createLogger(service: string, level: LevelWithSilent = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'password',
        '*.password',
        '*.*.password',
        'config.*PASSWORD',
        '*.authorization',
        'headers.authorization',
      ],
      censor: '***',
    },
  });
}
