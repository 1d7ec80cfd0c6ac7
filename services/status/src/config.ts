import { z } from 'zod';
import {
  cassandraEnvShape,
  credentialPairs,
  intVar,
  kafkaEnvShape,
  opsEnvShape,
  parseEnv,
  CASSANDRA_CREDENTIALS,
  REGISTRY_CREDENTIALS,
} from '@userstream/shared';

/** A comma-separated list of http(s) base URLs, e.g. "http://127.0.0.1:8090,http://127.0.0.1:8091". */
const urlList = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .transform((value) =>
      value
        .split(',')
        .map((url) => url.trim().replace(/\/+$/, ''))
        .filter((url) => url !== ''),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/, message: 'expected http(s) URLs, comma-separated' })).min(1));

// The shared settings it uses: not the topic layout or the replication and write consistency it never needs.
const {
  KAFKA_TOPIC_PARTITIONS: _partitions,
  KAFKA_REPLICATION_FACTOR: _replicationFactor,
  KAFKA_MIN_INSYNC_REPLICAS: _minInsyncReplicas,
  ...kafkaShape
} = kafkaEnvShape;
const {
  CASSANDRA_REPLICATION: _replication,
  CASSANDRA_CONSISTENCY: _consistency,
  ...cassandraShape
} = cassandraEnvShape;

/** Every setting the status page reads, parsed once from the environment. */
export const statusEnvSchema = z
  .object({
    ...kafkaShape,
    ...cassandraShape,
    ...opsEnvShape(8070),
    // The ops servers the page reads: /readyz, /metrics, and the producer's GET /runs.
    STATUS_PRODUCER_URL: z
      .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
      .default('http://127.0.0.1:8080')
      .transform((url) => url.replace(/\/+$/, ''))
      .describe(
        "The producer's ops server, whose `/readyz`, `/metrics` and `GET /runs` the status page reads.",
      ),
    STATUS_CONSUMER_URLS: urlList('http://127.0.0.1:8090').describe(
      "The consumers' ops servers, comma-separated (one per replica, to see each), whose `/readyz` and `/metrics` the status page reads.",
    ),
    CONSUMER_GROUP_ID: z
      .string()
      .min(1)
      .default('userstream-cassandra-sink')
      .describe('Consumer group id; every consumer process (`--scale consumer=N`) shares it.'),
    STATUS_POLL_MS: intVar(2_000, 250, 60_000).describe(
      'How often the status page collects its data (and the page asks for it), in milliseconds.',
    ),
    // Each probe of a part gives up after this long: a part that hangs shows as down, the rest goes on.
    STATUS_PROBE_TIMEOUT_MS: intVar(2_000, 100, 60_000).describe(
      'How long the status page waits for each part before showing it down, in milliseconds.',
    ),
    STATUS_HISTORY_MINUTES: intVar(15, 1, 24 * 60).describe(
      'Minutes of flow rates the status page keeps for its charts.',
    ),
    STATUS_NEWEST_USERS: intVar(8, 1, 100).describe(
      'How many of the newest users (read back from Cassandra) the status page shows.',
    ),
    STATUS_NEWEST_DEAD_LETTERS: intVar(5, 1, 100).describe(
      'How many of the newest dead letters the status page shows.',
    ),
  })
  .superRefine(credentialPairs(CASSANDRA_CREDENTIALS, REGISTRY_CREDENTIALS));

export type StatusConfig = z.output<typeof statusEnvSchema>;

/** Parses the status page's environment or throws ConfigError naming every bad variable. */
export function loadStatusConfig(env: NodeJS.ProcessEnv = process.env): StatusConfig {
  return parseEnv(statusEnvSchema, env);
}
