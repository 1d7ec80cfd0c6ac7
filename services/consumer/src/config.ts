import { z } from 'zod';
import {
  boolVar,
  cassandraEnvShape,
  credentialPairs,
  distinctDlqTopic,
  insyncWithinReplicas,
  REGISTRY_CREDENTIALS,
  CASSANDRA_CREDENTIALS,
  intVar,
  kafkaEnvShape,
  kafkaSecurityRules,
  cassandraSecurityRules,
  opsEnvShape,
  parseEnv,
} from '@userstream/shared/config';

/** Every setting the consumer reads, parsed once from the environment. */
export const consumerEnvSchema = z
  .object({
    ...kafkaEnvShape,
    ...cassandraEnvShape,
    ...opsEnvShape(8090),
    CONSUMER_GROUP_ID: z
      .string()
      .min(1)
      .default('userstream-cassandra-sink')
      .describe('Consumer group id; every consumer process (`--scale consumer=N`) shares it.'),
    CONSUMER_FROM_BEGINNING: boolVar(true).describe(
      "A new group starts at the topic's earliest offset, and so does a group whose committed offset retention deleted (`false`: the latest, skipping what is left).",
    ),
    CONSUMER_PARTITIONS_CONCURRENTLY: intVar(3, 1, 1_000).describe(
      'Partitions one consumer process handles at the same time.',
    ),
    // 16 per partition: the same drain rate as 64 on one node, with about 8 MiB less held in flight.
    CONSUMER_WRITE_CONCURRENCY: intVar(16, 1, 2_048).describe(
      'Cassandra requests in flight per partition being handled (each of up to `CONSUMER_WRITE_BATCH_ROWS` rows); raise it for a multi-node cluster.',
    ),
    CONSUMER_WRITE_BATCH_ROWS: intVar(10, 1, 100).describe(
      "Rows per Cassandra request: rows owned by the same replicas go in one UNLOGGED batch; `1` writes each row on its own. Keep it at most 10, Cassandra's warning threshold for batches across partitions.",
    ),
    // 256 KiB: the same drain rate as 1 MiB in paired runs, with about 30 MiB less peak memory.
    CONSUMER_MAX_BYTES_PER_PARTITION: intVar(262_144, 1_024).describe(
      'Most bytes fetched per partition per request; Kafka still returns one bigger batch whole, so a small limit never stalls the consumer.',
    ),
    // Kafka's Java consumer default (fetch.max.wait.ms). kafkajs's own, 5 s, made every stop and rebalance of
    // an idle consumer wait up to 5 s for its long poll to end. At most 5 s: kafkajs heartbeats between
    // fetches, and the session timeout can be as short as 6 s.
    CONSUMER_FETCH_MAX_WAIT_MS: intVar(500, 10, 5_000).describe(
      "How long the broker may hold a fetch that finds nothing new, in milliseconds (Kafka's Java default); a stop or rebalance of an idle consumer waits for that fetch.",
    ),
    // The broker's group.min/max.session.timeout.ms defaults: outside them it refuses the join.
    CONSUMER_SESSION_TIMEOUT_MS: intVar(30_000, 6_000, 1_800_000).describe(
      "Consumer group session timeout in milliseconds, within the broker's default bounds.",
    ),
    CONSUMER_RETRY_BASE_MS: intVar(200, 1).describe(
      'Base of the backoff while Cassandra or the registry is unavailable, in milliseconds (full jitter, doubling).',
    ),
    CONSUMER_RETRY_MAX_MS: intVar(10_000, 1).describe('Cap of that backoff, in milliseconds.'),
    CASSANDRA_APPLY_SCHEMA: boolVar(true).describe(
      "Create the keyspace and table from `users.cql` at start when missing (idempotent; compose's `cassandra-init` has already done it).",
    ),
    // Cassandra's default commitlog_sync is periodic (10 s), and it only blocks writes once a sync lags 1.5
    // periods behind: an acknowledged write can be lost for up to 15 s.
    CASSANDRA_DURABILITY_DELAY_MS: intVar(15_000, 0, 600_000).describe(
      'Commit offsets only once their rows were acknowledged this long ago, in milliseconds, so a Cassandra crash cannot lose committed rows (see docs/architecture.md#durability). 0 commits at once: for clusters that fsync before acknowledging (`commitlog_sync: group` or `batch`) or write at QUORUM with RF 3.',
    ),
  })
  .superRefine(distinctDlqTopic)
  .superRefine(insyncWithinReplicas)
  .superRefine(credentialPairs(CASSANDRA_CREDENTIALS, REGISTRY_CREDENTIALS))
  .superRefine(kafkaSecurityRules)
  .superRefine(cassandraSecurityRules);

export type ConsumerConfig = z.output<typeof consumerEnvSchema>;

/** Parses the consumer's environment or throws ConfigError naming every bad variable. */
export function loadConsumerConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  return parseEnv(consumerEnvSchema, env);
}
