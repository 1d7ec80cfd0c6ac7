import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { maskUrlCredentials } from './redact.ts';

export type { Logger } from 'pino';

// HTTP clients' errors (axios) carry the request they failed: its config, URL with user info, auth and
// headers. None of that belongs in a log line; the message and the status say what went wrong.
const REQUEST_KEYS = new Set(['config', 'request', 'response', 'headers', 'auth']);

/** `value` without request details at any depth, and with URL credentials masked in every string. */
function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (value === null || typeof value !== 'object' || depth > 4) return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!REQUEST_KEYS.has(key)) copy[key] = scrub(item, depth + 1);
  }
  return copy;
}

/**
 * pino's error serializer, then scrubbed: nested errors (a cause, aggregated errors) too, and a thrown
 * string (which the serializer passes through as it is) masked like a message.
 */
function serializeError(error: unknown): unknown {
  return scrub(pino.stdSerializers.err(error as Error), 0);
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
