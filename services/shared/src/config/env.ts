import { z } from 'zod';
import { ConfigError } from '../errors/pipeline-errors.ts';
import { isSecretName, maskSettingValue } from '../observability/redact.ts';
import {
  cassandraSecurityEnvShape,
  kafkaSecurityEnvShape,
  readSecretFiles,
  registrySecurityEnvShape,
} from './security-env.ts';

/**
 * Parses `env` with a zod object schema, secrets given as `<NAME>_FILE` read first; throws ConfigError
 * listing every bad variable by name.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const secrets = readSecretFiles(env);
  // Empty strings mean "unset" so that `FOO=` in a .env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(secrets.env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success && secrets.problems.length === 0) return result.data;
  const issues = result.success ? [] : result.error.issues;
  const problems = issues.map((issue) => {
    const name = issue.path.length > 0 ? issue.path.map(String).join('.') : '(environment)';
    const received = cleaned[String(issue.path[0])];
    const shown =
      received === undefined
        ? 'unset'
        : isSecretName(name)
          ? '"***"'
          : JSON.stringify(maskSettingValue(received));
    return `${name}: ${issue.message} (got ${shown})`;
  });
  throw new ConfigError([...secrets.problems, ...problems]);
}

/** A copy of a parsed config safe to log: secret-named keys are masked, and so are credentials in URLs. */
export function redactConfig<T extends Record<string, unknown>>(config: T): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      isSecretName(key) && value !== undefined
        ? '***'
        : typeof value === 'string'
          ? maskSettingValue(value)
          : value,
    ]),
  );
}

/**
 * The largest integer setting by default: Node's timers turn a longer delay into 1 ms, and Kafka's protocol
 * carries sizes and timeouts as 32-bit integers.
 */
const MAX_INT32 = 2_147_483_647;

/** An integer environment variable with bounds. */
export function intVar(defaultValue: number, min: number, max: number = MAX_INT32) {
  return z.coerce.number().int().min(min).max(max).default(defaultValue);
}

/** A boolean environment variable: true/false/1/0/yes/no. */
export function boolVar(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .default(defaultValue ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');
}

/** A comma-separated list of host:port pairs; the port may be left out unless `port` is 'required'. */
export function hostListVar(defaultValue: string, port: 'required' | 'optional' = 'optional') {
  const pattern = port === 'required' ? /^[^\s:/]+:(\d{1,5})$/ : /^[^\s:/]+(?::(\d{1,5}))?$/;
  const message = port === 'required' ? 'expected host:port[,host:port...]' : 'expected host[:port][,...]';
  return z
    .string()
    .default(defaultValue)
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .regex(pattern, message)
            .refine((host) => {
              const digits = pattern.exec(host)?.[1];
              return digits === undefined || (Number(digits) >= 1 && Number(digits) <= 65_535);
            }, 'a port is 1-65535'),
        )
        .min(1, 'at least one host is required'),
    );
}

/** A Kafka topic name, as Kafka itself accepts it. */
export const topicName = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a topic name is 1-249 characters of letters, digits, ".", "_", "-"');

/** A Cassandra identifier (keyspace or table) that needs no quoting. */
export const cqlIdentifier = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/, 'expected a letter then up to 47 letters, digits or "_"');

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** Variables both services read for Kafka and the registry. */
export const kafkaEnvShape = {
  // kafkajs takes a broker without a port as port NaN and fails only after a minute of retries.
  KAFKA_BROKERS: hostListVar('127.0.0.1:9092', 'required').describe(
    'Kafka bootstrap brokers, comma-separated `host:port` (the port is required).',
  ),
  KAFKA_CLIENT_ID: z
    .string()
    .min(1)
    .default('userstream')
    .describe('Kafka client id prefix; the services add `-producer` or `-consumer`.'),
  KAFKA_TOPIC: topicName
    .default('users_created')
    .describe(
      'The users topic: the producer writes it, the consumer reads it. Created with `KAFKA_TOPIC_PARTITIONS` partitions when missing.',
    ),
  KAFKA_DLQ_TOPIC: topicName
    .default('users_created.dlq')
    .describe(
      'The dead-letter topic: results the producer refuses (as JSON) and messages the consumer cannot decode, validate or write. Must differ from `KAFKA_TOPIC`.',
    ),
  KAFKA_TOPIC_PARTITIONS: intVar(3, 1, 10_000).describe(
    'Partitions of the topics when the services create them; more consumers than partitions leaves the extra ones idle.',
  ),
  KAFKA_REPLICATION_FACTOR: intVar(1, 1, 10).describe(
    'Replication factor of the topics when the services create them (1 for a single broker).',
  ),
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .optional()
    .describe(
      "`min.insync.replicas` of both topics when the services create them (unset: the broker's default). With `acks=all` a write needs this many replicas: 2 with a replication factor of 3 survives one broker down without losing acknowledged records.",
    ),
  SCHEMA_REGISTRY_URL: z
    .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
    .default('http://127.0.0.1:8081/apis/ccompat/v7')
    .describe(
      "Confluent-compatible Schema Registry base URL: the root for Confluent's registry, `.../apis/ccompat/v7` for Apicurio (the local stack). Credentials in the URL (`https://user:pass@host`) count as the two settings below and are masked in logs.",
    ),
  SCHEMA_REGISTRY_USERNAME: z
    .string()
    .optional()
    .describe(
      'Schema Registry basic-auth user (unset: no authentication). Set user and password both or neither; each variable wins over its part of `SCHEMA_REGISTRY_URL`.',
    ),
  SCHEMA_REGISTRY_PASSWORD: z
    .string()
    .optional()
    .describe('Schema Registry basic-auth password. A secret: keep it in `.env`, never in git.'),
  ...registrySecurityEnvShape,
  ...kafkaSecurityEnvShape,
};

/** Variables for the operations HTTP server and logging. */
export const opsEnvShape = (defaultPort: number) => ({
  HTTP_PORT: intVar(defaultPort, 0, 65_535).describe(
    "Port of the ops server (`/healthz`, `/readyz`, `/metrics`; the producer's `/runs`).",
  ),
  HTTP_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Address the ops server listens on (`0.0.0.0` in containers).'),
  LOG_LEVEL: logLevel.describe('pino log level.'),
  SHUTDOWN_TIMEOUT_MS: intVar(30_000, 1_000).describe(
    'Milliseconds a service gets after SIGTERM or SIGINT to finish its work in flight before it exits anyway.',
  ),
});

/** The consistency levels CASSANDRA_CONSISTENCY may name. */
export const CONSISTENCY_LEVELS = [
  'one',
  'local_one',
  'quorum',
  'local_quorum',
  'each_quorum',
  'all',
] as const;

/** A consistency level as CASSANDRA_CONSISTENCY names it. */
export type CassandraConsistency = (typeof CONSISTENCY_LEVELS)[number];

/** Variables both services read for Cassandra. */
export const cassandraEnvShape = {
  CASSANDRA_CONTACT_POINTS: hostListVar('127.0.0.1:9042').describe(
    'Cassandra contact points, comma-separated `host[:port]`.',
  ),
  CASSANDRA_LOCAL_DC: z
    .string()
    .min(1)
    .default('datacenter1')
    .describe(
      "Data center the driver treats as local; it uses only nodes there, so it must match the cluster's name for it.",
    ),
  CASSANDRA_KEYSPACE: cqlIdentifier.default('userstream').describe('Keyspace of the users table.'),
  CASSANDRA_TABLE: cqlIdentifier.default('users').describe('Table the users are written to.'),
  CASSANDRA_REPLICATION: z
    .string()
    .regex(
      /^\{.*'class'.*\}$/,
      "expected a CQL replication map such as {'class': 'SimpleStrategy', 'replication_factor': 1}",
    )
    .default("{'class': 'SimpleStrategy', 'replication_factor': 1}")
    .describe('Replication of the keyspace when the consumer creates it (a CQL replication map).'),
  CASSANDRA_USERNAME: z
    .string()
    .optional()
    .describe(
      'Cassandra user for PlainText authentication (unset: none). Set user and password both or neither.',
    ),
  CASSANDRA_PASSWORD: z
    .string()
    .optional()
    .describe('Cassandra password. A secret: keep it in `.env`, never in git.'),
  // LOCAL_QUORUM: an offset is committed only after a majority of the local replicas hold the row.
  CASSANDRA_CONSISTENCY: z
    .enum(CONSISTENCY_LEVELS)
    .default('local_quorum')
    .describe('Consistency level of every write; an offset is committed only after its rows reached it.'),
  ...cassandraSecurityEnvShape,
};

/** A user name and password variable, and optionally a URL variable whose `user:password@` counts too. */
export type CredentialPair = readonly [user: string, password: string, url?: string];

/** The registry's credentials: its variables, or the user info of its URL (see registryConfigFrom). */
export const REGISTRY_CREDENTIALS: CredentialPair = [
  'SCHEMA_REGISTRY_USERNAME',
  'SCHEMA_REGISTRY_PASSWORD',
  'SCHEMA_REGISTRY_URL',
];

/** Cassandra's credentials. */
export const CASSANDRA_CREDENTIALS: CredentialPair = ['CASSANDRA_USERNAME', 'CASSANDRA_PASSWORD'];

/**
 * A check for an object schema's superRefine: each user name and password pair is set together or not at
 * all (in its variables or the URL's user info), since one alone would silently turn authentication off.
 */
export function credentialPairs(...pairs: readonly CredentialPair[]) {
  return (config: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    for (const [user, password, urlVariable] of pairs) {
      const url = urlVariable === undefined ? null : URL.parse(String(config[urlVariable]));
      const hasUser = config[user] !== undefined || (url?.username ?? '') !== '';
      const hasPassword = config[password] !== undefined || (url?.password ?? '') !== '';
      if (hasUser === hasPassword) continue;
      const [set, missing] = hasUser ? [user, password] : [password, user];
      const where = urlVariable === undefined ? '' : ` (or in ${urlVariable})`;
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: `required when ${set} is set${where}: set both or neither, as one alone turns authentication off`,
      });
    }
  };
}

/**
 * Refuses KAFKA_MIN_INSYNC_REPLICAS above KAFKA_REPLICATION_FACTOR: every acks=all write to such a topic
 * would fail. For `superRefine` on a schema with both settings.
 */
export function insyncWithinReplicas(
  config: { KAFKA_REPLICATION_FACTOR: number; KAFKA_MIN_INSYNC_REPLICAS?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  const minInsync = config.KAFKA_MIN_INSYNC_REPLICAS;
  if (minInsync === undefined || minInsync <= config.KAFKA_REPLICATION_FACTOR) return;
  ctx.addIssue({
    code: 'custom',
    path: ['KAFKA_MIN_INSYNC_REPLICAS'],
    message: `${minInsync} exceeds KAFKA_REPLICATION_FACTOR (${config.KAFKA_REPLICATION_FACTOR}): no write could ever be acknowledged`,
  });
}

/**
 * Refuses a dead-letter topic equal to the input topic: a letter sent there is consumed, fails and is
 * sent again, forever. For `superRefine` on a schema with both topics.
 */
export function distinctDlqTopic(
  config: { KAFKA_TOPIC: string; KAFKA_DLQ_TOPIC: string },
  ctx: z.RefinementCtx,
): void {
  if (config.KAFKA_DLQ_TOPIC !== config.KAFKA_TOPIC) return;
  ctx.addIssue({
    code: 'custom',
    path: ['KAFKA_DLQ_TOPIC'],
    message: 'must differ from KAFKA_TOPIC, or every dead letter would be consumed again',
  });
}
