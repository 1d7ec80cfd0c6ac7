import { z } from 'zod';
import { ConfigError } from '../errors/pipeline-errors.ts';
import { CONSISTENCY_LEVELS } from '../clients/cassandra-client.ts';
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
  KAFKA_BROKERS: hostListVar('127.0.0.1:9092', 'required'),
  KAFKA_CLIENT_ID: z.string().min(1).default('userstream'),
  KAFKA_TOPIC: topicName.default('users_created'),
  KAFKA_DLQ_TOPIC: topicName.default('users_created.dlq'),
  KAFKA_TOPIC_PARTITIONS: intVar(3, 1, 10_000),
  KAFKA_REPLICATION_FACTOR: intVar(1, 1, 10),
  SCHEMA_REGISTRY_URL: z
    .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
    .default('http://127.0.0.1:8081/apis/ccompat/v7'),
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  ...registrySecurityEnvShape,
  ...kafkaSecurityEnvShape,
};

/** Variables for the operations HTTP server and logging. */
export const opsEnvShape = (defaultPort: number) => ({
  HTTP_PORT: intVar(defaultPort, 0, 65_535),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: logLevel,
  SHUTDOWN_TIMEOUT_MS: intVar(30_000, 1_000),
});

/** Variables both services read for Cassandra. */
export const cassandraEnvShape = {
  CASSANDRA_CONTACT_POINTS: hostListVar('127.0.0.1:9042'),
  CASSANDRA_LOCAL_DC: z.string().min(1).default('datacenter1'),
  CASSANDRA_KEYSPACE: cqlIdentifier.default('userstream'),
  CASSANDRA_TABLE: cqlIdentifier.default('users'),
  CASSANDRA_REPLICATION: z
    .string()
    .regex(
      /^\{.*'class'.*\}$/,
      "expected a CQL replication map such as {'class': 'SimpleStrategy', 'replication_factor': 1}",
    )
    .default("{'class': 'SimpleStrategy', 'replication_factor': 1}"),
  CASSANDRA_USERNAME: z.string().optional(),
  CASSANDRA_PASSWORD: z.string().optional(),
  // LOCAL_QUORUM: an offset is committed only after a majority of the local replicas hold the row.
  CASSANDRA_CONSISTENCY: z.enum(CONSISTENCY_LEVELS).default('local_quorum'),
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
