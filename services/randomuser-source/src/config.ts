import { z } from 'zod';
import { intVar, opsEnvShape, parseEnv } from '@userstream/shared/config';
import { NO_FAULTS, type FaultSettings } from './faults.ts';

const RATE_VARIABLES = [
  'SOURCE_FAULT_500_RATE',
  'SOURCE_FAULT_429_RATE',
  'SOURCE_FAULT_MALFORMED_RATE',
  'SOURCE_FAULT_SLOW_RATE',
] as const;

/** A share of requests, 0..1. */
const rateVar = z.coerce
  .number({ message: 'expected a number from 0 to 1' })
  .min(0, 'expected a number from 0 to 1')
  .max(1, 'expected a number from 0 to 1')
  .default(0);

/** Every variable the service reads, with its default. */
export const sourceEnvSchema = z
  .object({
    ...opsEnvShape(8088),
    SOURCE_FAULT_500_RATE: rateVar.describe(
      'Share of requests answered with HTTP 500 (the four `SOURCE_FAULT_*_RATE` add up to at most 1).',
    ),
    SOURCE_FAULT_429_RATE: rateVar.describe(
      'Share of requests answered with HTTP 429 and a `Retry-After` header.',
    ),
    SOURCE_FAULT_MALFORMED_RATE: rateVar.describe('Share of requests answered with a malformed body.'),
    SOURCE_FAULT_SLOW_RATE: rateVar.describe(
      'Share of requests answered late, after `SOURCE_SLOW_DELAY_MS`.',
    ),
    SOURCE_SLOW_DELAY_MS: intVar(NO_FAULTS.slowDelayMs, 0, 600_000).describe(
      'Delay of a slow answer, in milliseconds.',
    ),
    SOURCE_RETRY_AFTER_SECONDS: intVar(NO_FAULTS.retryAfterSeconds, 0, 3_600).describe(
      '`Retry-After` of a 429 answer, in seconds.',
    ),
    SOURCE_PAGE_CACHE_SIZE: intVar(8, 0, 1_000).describe(
      'Rendered pages kept (LRU) to answer a repeated request quickly (0: none). Each costs its size in memory: 5.5 MB at 5000 users.',
    ),
    SOURCE_PORTRAITS_URL: z
      .url({ protocol: /^https?$/, message: 'expected an http(s) URL ending in /' })
      .refine((url) => url.endsWith('/') && !/["\\]/.test(url), 'expected an http(s) URL ending in /')
      .optional()
      .describe(
        "Base URL of the users' picture URLs, ending in `/`; unset: the source's own `/api/portraits/`, where it serves placeholder portraits. Set it when browsers reach the source at another address.",
      ),
  })
  .superRefine((env, context) => {
    const sum = RATE_VARIABLES.reduce((total, name) => total + env[name], 0);
    if (sum <= 1 + 1e-9) return;
    // Named on each non-zero rate, since any of them may be the one to lower.
    for (const name of RATE_VARIABLES.filter((variable) => env[variable] > 0)) {
      context.addIssue({
        code: 'custom',
        path: [name],
        message: `the four SOURCE_FAULT_*_RATE variables add up to ${sum}; they must add up to at most 1`,
      });
    }
  });

/** The service's settings, read from the environment once at start. */
export interface SourceConfig {
  host: string;
  port: number;
  logLevel: z.output<typeof sourceEnvSchema>['LOG_LEVEL'];
  shutdownTimeoutMs: number;
  faults: FaultSettings;
  pageCacheSize: number;
  portraitsUrl: string | undefined;
}

/** Reads the configuration; throws ConfigError naming every invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SourceConfig {
  const parsed = parseEnv(sourceEnvSchema, env);
  const faults: FaultSettings = {
    rate500: parsed.SOURCE_FAULT_500_RATE,
    rate429: parsed.SOURCE_FAULT_429_RATE,
    rateMalformed: parsed.SOURCE_FAULT_MALFORMED_RATE,
    rateSlow: parsed.SOURCE_FAULT_SLOW_RATE,
    slowDelayMs: parsed.SOURCE_SLOW_DELAY_MS,
    retryAfterSeconds: parsed.SOURCE_RETRY_AFTER_SECONDS,
  };
  return {
    host: parsed.HTTP_HOST,
    port: parsed.HTTP_PORT,
    logLevel: parsed.LOG_LEVEL,
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    faults,
    pageCacheSize: parsed.SOURCE_PAGE_CACHE_SIZE,
    portraitsUrl: parsed.SOURCE_PORTRAITS_URL,
  };
}
