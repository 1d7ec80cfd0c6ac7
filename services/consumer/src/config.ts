import { z } from 'zod';
import {
  boolVar,
  cassandraEnvShape,
  credentialPairs,
  distinctDlqTopic,
  REGISTRY_CREDENTIALS,
  CASSANDRA_CREDENTIALS,
  intVar,
  kafkaEnvShape,
  kafkaSecurityRules,
  cassandraSecurityRules,
  opsEnvShape,
  parseEnv,
} from '@userstream/shared';

/** Every setting the consumer reads, parsed once from the environment. */
export const consumerEnvSchema = z
  .object({
    ...kafkaEnvShape,
    ...cassandraEnvShape,
    ...opsEnvShape(8090),
    CONSUMER_GROUP_ID: z.string().min(1).default('userstream-cassandra-sink'),
    CONSUMER_FROM_BEGINNING: boolVar(true),
    CONSUMER_PARTITIONS_CONCURRENTLY: intVar(3, 1, 1_000),
    // 16 per partition: the same drain rate as 64 on one node, with about 8 MiB less held in flight.
    CONSUMER_WRITE_CONCURRENCY: intVar(16, 1, 2_048),
    CONSUMER_WRITE_BATCH_ROWS: intVar(10, 1, 100),
    // 256 KiB: the same drain rate as 1 MiB in paired runs, with about 30 MiB less peak memory.
    CONSUMER_MAX_BYTES_PER_PARTITION: intVar(262_144, 1_024),
    // Kafka's Java consumer default (fetch.max.wait.ms). kafkajs's own, 5 s, made every stop and rebalance of
    // an idle consumer wait up to 5 s for its long poll to end. At most 5 s: kafkajs heartbeats between
    // fetches, and the session timeout can be as short as 6 s.
    CONSUMER_FETCH_MAX_WAIT_MS: intVar(500, 10, 5_000),
    // The broker's group.min/max.session.timeout.ms defaults: outside them it refuses the join.
    CONSUMER_SESSION_TIMEOUT_MS: intVar(30_000, 6_000, 1_800_000),
    CONSUMER_RETRY_BASE_MS: intVar(200, 1),
    CONSUMER_RETRY_MAX_MS: intVar(10_000, 1),
    CASSANDRA_APPLY_SCHEMA: boolVar(true),
  })
  .superRefine(distinctDlqTopic)
  .superRefine(credentialPairs(CASSANDRA_CREDENTIALS, REGISTRY_CREDENTIALS))
  .superRefine(kafkaSecurityRules)
  .superRefine(cassandraSecurityRules);

export type ConsumerConfig = z.output<typeof consumerEnvSchema>;

/** Parses the consumer's environment or throws ConfigError naming every bad variable. */
export function loadConsumerConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  return parseEnv(consumerEnvSchema, env);
}
