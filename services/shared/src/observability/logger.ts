import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { maskUrlCredentials } from './redact.ts';

export type { Logger } from 'pino';

// HTTP clients' errors (axios) carry the request they failed: its config, URL with user info, auth and
// headers. None of that belongs in a log line; the message and the status say what went wrong.
const REQUEST_KEYS = ['config', 'request', 'response', 'headers', 'auth'];

/** pino's error serializer without request details, with URL credentials masked in the text it keeps. */
function serializeError(error: Error): Record<string, unknown> {
  const serialized: Record<string, unknown> = { ...pino.stdSerializers.err(error) };
  for (const key of REQUEST_KEYS) delete serialized[key];
  for (const key of ['message', 'stack'] as const) {
    const text = serialized[key];
    if (typeof text === 'string') serialized[key] = maskUrlCredentials(text);
  }
  return serialized;
}

/** A JSON pino logger for one service; secret-looking fields are redacted wherever they appear. */
export function createLogger(
  service: string,
  level: LevelWithSilent = 'info',
  destination?: DestinationStream,
): Logger {
  const options = {
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError },
    // Belt and braces: the services log configs through redactConfig, and errors through the serializer.
    redact: {
      paths: [
        'password',
        '*.password',
        '*.*.password',
        'config.SCHEMA_REGISTRY_PASSWORD',
        'config.CASSANDRA_PASSWORD',
        'authorization',
        'Authorization',
        '*.authorization',
        '*.Authorization',
        '*.headers.authorization',
        '*.headers.Authorization',
      ],
      censor: '***',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
