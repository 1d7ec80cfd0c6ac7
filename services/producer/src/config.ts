import { z } from 'zod';
import { cron } from './run/cron-expression.ts';
import { boolVar, intVar, kafkaEnvShape, opsEnvShape, parseEnv } from '@userstream/shared';

/** Every setting the producer reads, parsed once from the environment. */
export const producerEnvSchema = z.object({
  ...kafkaEnvShape,
  ...opsEnvShape(8080),
  RANDOMUSER_URL: z.url({ message: 'expected an http(s) URL' }).default('http://127.0.0.1:8088/api/1.4/'),
  RANDOMUSER_SEED: z.string().min(1).optional(),
  RANDOMUSER_NAT: z
    .string()
    .regex(/^[A-Za-z]{2}(,[A-Za-z]{2})*$/, 'expected comma-separated two-letter codes, e.g. US,GB')
    .optional(),
  RANDOMUSER_TIMEOUT_MS: intVar(15_000, 100),
  RANDOMUSER_MAX_RETRIES: intVar(6, 0, 100),
  RANDOMUSER_RETRY_BASE_MS: intVar(500, 1),
  RANDOMUSER_RETRY_MAX_MS: intVar(30_000, 1),
  PRODUCER_SCHEDULE: cron.default('*/1 * * * *'),
  PRODUCER_BATCH_SIZE: intVar(1_000, 1, 10_000_000),
  // 2000 per call, not the API's 5000: the same throughput at about 40 MiB less memory (see README).
  PRODUCER_PAGE_SIZE: intVar(2_000, 1, 5_000),
  PRODUCER_RUN_ON_START: boolVar(true),
  KAFKA_COMPRESSION: z.enum(['none', 'gzip', 'zstd']).default('gzip'),
  KAFKA_SEND_CHUNK: intVar(1_000, 1, 100_000),
});

export type ProducerConfig = z.output<typeof producerEnvSchema>;

/** Parses the producer's environment or throws ConfigError naming every bad variable. */
export function loadProducerConfig(env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  return parseEnv(producerEnvSchema, env);
}
