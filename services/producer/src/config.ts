import { z } from 'zod';
import { cron } from './run/cron-expression.ts';
import {
  boolVar,
  credentialPairs,
  distinctDlqTopic,
  insyncWithinReplicas,
  REGISTRY_CREDENTIALS,
  intVar,
  kafkaEnvShape,
  kafkaSecurityRules,
  opsEnvShape,
  parseEnv,
} from '@userstream/shared/config';
import { NATIONALITIES, RANDOMUSER_MAX_PAGE, RANDOMUSER_MAX_RESULTS } from '@userstream/shared/record';

const knownNats = new Set<string>(NATIONALITIES);

/** What a stop keeps for publishing the page it waited for, beyond RANDOMUSER_TIMEOUT_MS. */
const PUBLISH_MARGIN_MS = 5_000;
const natList = /^[A-Za-z]{2}(,[A-Za-z]{2})*$/;

/** Every setting the producer reads, parsed once from the environment. */
export const producerEnvSchema = z
  .object({
    ...kafkaEnvShape,
    ...opsEnvShape(8080),
    // Only http(s): z.url() alone accepts "localhost:8088/api/" (scheme "localhost:"), which fails every run.
    RANDOMUSER_URL: z
      .url({ protocol: /^https?$/, message: 'expected an http(s) URL, e.g. https://randomuser.me/api/1.4/' })
      .default('http://127.0.0.1:8088/api/1.4/')
      .describe(
        'randomuser.me-compatible API to fetch users from: `https://randomuser.me/api/1.4/` for the real one; the default is the offline source run locally.',
      ),
    RANDOMUSER_SEED: z
      .string()
      .min(1)
      // randomuser.me reads an 18-character seed as 16 characters plus a hex nationality index.
      .refine((seed) => seed.length !== 18, {
        message: 'randomuser.me reads an 18-character seed as a seed plus a nationality; use another length',
      })
      .optional()
      .describe(
        'Seed passed to the API: a fixed seed makes every run fetch the same users; unset draws a new one per run. Not 18 characters long (randomuser.me reads those as a seed plus a nationality).',
      ),
    RANDOMUSER_NAT: z
      .string()
      .regex(natList, 'expected comma-separated two-letter codes, e.g. US,GB')
      // One unknown code makes randomuser.me drop the whole filter and answer every nationality.
      .superRefine((value, ctx) => {
        if (!natList.test(value)) return; // already refused, by shape
        const unknown = value.split(',').filter((code) => !knownNats.has(code.toUpperCase()));
        if (unknown.length > 0) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown nationality ${unknown.join(',')} (randomuser.me would then ignore the whole filter); known: ${NATIONALITIES.join(',')}`,
          });
        }
      })
      .optional()
      .describe(
        'Nationalities to ask for, comma-separated two-letter codes such as `US,GB` (unset: all). An unknown code is refused: randomuser.me would ignore the whole filter.',
      ),
    RANDOMUSER_TIMEOUT_MS: intVar(15_000, 100).describe(
      'Deadline of one API request, body included, in milliseconds; at least 5000 below `SHUTDOWN_TIMEOUT_MS` (a stop waits for the page being fetched, then publishes it). An answer over 4 KiB per user asked for fails the run.',
    ),
    RANDOMUSER_MAX_RETRIES: intVar(6, 0, 100).describe(
      'Retries of a failed API request (timeouts, 5xx, 429, malformed JSON) before the run fails.',
    ),
    RANDOMUSER_RETRY_BASE_MS: intVar(500, 1).describe(
      'Base of the retry backoff in milliseconds (full jitter up to base × 2^attempt); a `Retry-After` header wins.',
    ),
    RANDOMUSER_RETRY_MAX_MS: intVar(30_000, 1).describe('Cap of the retry backoff in milliseconds.'),
    // randomuser.me counts users per client (20,000, counts reset every 5 minutes) and past that answers 429
    // (503 before 2020) without Retry-After.
    RANDOMUSER_RATE_LIMIT_WAIT_MS: intVar(60_000, 1, 300_000).describe(
      "Wait after randomuser.me's rate limit (a 429, or 503 before 2020, saying `ease up` without `Retry-After`), in milliseconds; each counts as a retry.",
    ),
    PRODUCER_SCHEDULE: cron
      .default('*/1 * * * *')
      .describe(
        'Cron expression of the scheduled runs (node-cron; 6 fields for seconds). A late tick still runs, up to 30 s late and never past the next slot; a slot passed over is logged and counted as `runs_total{outcome="missed"}`.',
      ),
    PRODUCER_BATCH_SIZE: intVar(1_000, 1, 10_000_000).describe(
      'Users fetched and published per run; at most `PRODUCER_PAGE_SIZE` × 10,000 (randomuser.me serves pages 1 to 10,000).',
    ),
    // 2000 per call, not the API's 5000: the same throughput at about 40 MiB less memory (see docs/performance.md).
    PRODUCER_PAGE_SIZE: intVar(2_000, 1, RANDOMUSER_MAX_RESULTS).describe(
      'Users asked for per API request (the API allows at most 5000; 2000 is as fast and uses about 40 MiB less memory).',
    ),
    PRODUCER_RUN_ON_START: boolVar(true).describe(
      'Run a batch as soon as the producer starts, before the first scheduled one.',
    ),
    // zstd: a quarter of gzip's CPU per record at both ends, and smaller (docs/performance.md).
    KAFKA_COMPRESSION: z
      .enum(['none', 'gzip', 'zstd'])
      .default('zstd')
      .describe(
        "Compression of the produced batches (zstd through Node's built-in zlib); the consumer reads all three whatever wrote them.",
      ),
    // 2,000 uncompressed users on one partition stay well under the broker's default 1 MiB batch limit.
    KAFKA_SEND_CHUNK: intVar(1_000, 1, 2_000).describe(
      "Messages per produce request. At most 2000: uncompressed, that stays under the broker's default 1 MiB batch limit on one partition (a `MESSAGE_TOO_LARGE` failure names this setting).",
    ),
  })
  .superRefine(credentialPairs(REGISTRY_CREDENTIALS))
  .superRefine(kafkaSecurityRules)
  .superRefine(distinctDlqTopic)
  .superRefine(insyncWithinReplicas)
  .superRefine((config, ctx) => {
    // A stop lets the page being fetched arrive (up to this deadline), then publishes it.
    if (config.RANDOMUSER_TIMEOUT_MS + PUBLISH_MARGIN_MS > config.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RANDOMUSER_TIMEOUT_MS'],
        message: `${config.RANDOMUSER_TIMEOUT_MS} ms must be at least ${PUBLISH_MARGIN_MS} ms shorter than SHUTDOWN_TIMEOUT_MS (${config.SHUTDOWN_TIMEOUT_MS}): a stop waits for the page being fetched, then publishes it`,
      });
    }
  })
  .superRefine((config, ctx) => {
    const pages = Math.ceil(config.PRODUCER_BATCH_SIZE / config.PRODUCER_PAGE_SIZE);
    if (pages > RANDOMUSER_MAX_PAGE) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRODUCER_BATCH_SIZE'],
        message: `${config.PRODUCER_BATCH_SIZE} users in pages of ${config.PRODUCER_PAGE_SIZE} (PRODUCER_PAGE_SIZE) take ${pages} pages; randomuser.me serves pages 1..${RANDOMUSER_MAX_PAGE} and page 1 again after that (raise PRODUCER_PAGE_SIZE or lower the batch)`,
      });
    }
  });

export type ProducerConfig = z.output<typeof producerEnvSchema>;

/** Parses the producer's environment or throws ConfigError naming every bad variable. */
export function loadProducerConfig(env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  return parseEnv(producerEnvSchema, env);
}
