import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import type PinoPretty from 'pino-pretty';
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

/**
 * Readable lines (pino-pretty) only for a person at a terminal: stdout is a TTY and this is not a production
 * build. Piped or collected output, and containers (the image sets NODE_ENV=production), stay JSON.
 */
export function wantsPrettyLogs(stdoutIsTty: boolean, nodeEnv: string | undefined): boolean {
  return stdoutIsTty && nodeEnv !== 'production';
}

/**
 * pino-pretty writing to `output` (stdout by default), or undefined when it is not installed (a production
 * install omits it).
 */
export function prettyDestination(output: NodeJS.WritableStream | number = 1): DestinationStream | undefined {
  try {
    // Loaded on demand: it is a development dependency, absent from the image.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    return pretty({
      destination: output,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
    });
  } catch {
    return undefined;
  }
}

/** The stream a service logs to when none is given: pretty at a terminal, else pino's own (JSON, stdout). */
function defaultDestination(): DestinationStream | undefined {
  // NODE_ENV is the runtime's, not one of the service's settings, so it is read here and not in config.
  return wantsPrettyLogs(process.stdout.isTTY === true, process.env.NODE_ENV)
    ? prettyDestination()
    : undefined;
}

/** A pino logger for one service (JSON, or readable lines at a terminal); secret-looking fields are redacted wherever they appear. */
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
  const stream = destination ?? defaultDestination();
  return stream ? pino(options, stream) : pino(options);
}
