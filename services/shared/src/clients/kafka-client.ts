import { Kafka, logLevel, type ITopicConfig, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { registerZstdCodec } from './kafka-codecs.ts';
import { kafkaSecurityFrom, type KafkaSecurity, type KafkaSecuritySettings } from './security-options.ts';

export interface KafkaClientConfig extends KafkaSecurity {
  brokers: string[];
  clientId: string;
}

/**
 * The users topic and its dead-letter topic, each with the configured partitions, replication factor and
 * min.insync.replicas.
 */
export function pipelineTopics(env: {
  KAFKA_TOPIC: string;
  KAFKA_DLQ_TOPIC: string;
  KAFKA_TOPIC_PARTITIONS: number;
  KAFKA_REPLICATION_FACTOR: number;
  KAFKA_MIN_INSYNC_REPLICAS?: number | undefined;
}): TopicSpec[] {
  const settings = {
    numPartitions: env.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    minInsyncReplicas: env.KAFKA_MIN_INSYNC_REPLICAS,
  };
  return [
    { topic: env.KAFKA_TOPIC, ...settings },
    { topic: env.KAFKA_DLQ_TOPIC, ...settings },
  ];
}

/** A client's settings out of a parsed environment (kafkaEnvShape): brokers, client id, TLS and SASL. */
export function kafkaClientConfigFrom(
  env: KafkaSecuritySettings & { KAFKA_BROKERS: string[]; KAFKA_CLIENT_ID: string },
  clientIdSuffix: string,
): KafkaClientConfig {
  return {
    brokers: env.KAFKA_BROKERS,
    clientId: `${env.KAFKA_CLIENT_ID}-${clientIdSuffix}`,
    ...kafkaSecurityFrom(env),
  };
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs warnings that this code answers by design, logged at debug: at WARN they would greet the operator
 * at every start as if something were wrong.
 */
const EXPECTED_WARNINGS = new Set([
  // Retries are limited so that a send fails within a bounded time during an outage; the sequence numbers a
  // failed send leaves behind are dealt with by sending through a new producer id (idempotent-producer.ts).
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
]);

/**
 * kafkajs errors that a broker which has just started answers while it loads the group metadata. Kafka marks
 * them retriable and kafkajs retries them itself; they are logged at ERROR all the same.
 */
const RETRIABLE_COORDINATOR_ERRORS = new Set([
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
]);

/** True for a kafkajs ERROR entry that is only a retriable coordinator answer (see above). */
function isRetriableCoordinatorError(entry: Pick<LogEntry, 'level' | 'log'>): boolean {
  const { error } = entry.log as { error?: unknown };
  return (
    entry.level === logLevel.ERROR && typeof error === 'string' && RETRIABLE_COORDINATOR_ERRORS.has(error)
  );
}

/** True for a kafkajs entry that is expected, not a problem: logged at debug instead of its own level. */
function isExpectedKafkaLog(entry: Pick<LogEntry, 'level' | 'log'>): boolean {
  return (
    (entry.level === logLevel.WARN && EXPECTED_WARNINGS.has(entry.log.message)) ||
    isRetriableCoordinatorError(entry)
  );
}

/** Routes kafkajs's own logs into the service's pino logger as structured fields. */
function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () => (entry: LogEntry) => {
    const { message, ...extra } = entry.log;
    child[isExpectedKafkaLog(entry) ? 'debug' : (LEVELS[entry.level] ?? 'info')](extra, message);
  };
}

/** A kafkajs client whose logs go to pino (INFO chatter kept at WARN unless debugging), with zstd support. */
export function createKafka(config: KafkaClientConfig, logger: Logger): Kafka {
  registerZstdCodec();
  if (config.ssl?.rejectUnauthorized === false) {
    logger.warn(
      { setting: 'KAFKA_SSL_REJECT_UNAUTHORIZED' },
      "KAFKA_SSL_REJECT_UNAUTHORIZED=false: the brokers' certificates are not verified, so anyone on the path can read and change the traffic; use it only to debug",
    );
  }
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ...(config.ssl ? { ssl: config.ssl } : {}),
    ...(config.sasl ? { sasl: config.sasl } : {}),
    logLevel: logger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN,
    logCreator: pinoLogCreator(logger),
    retry: { initialRetryTime: 300, retries: 8 },
  });
}

/** A topic ensureTopics creates when it is missing. */
export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  /** The topic's min.insync.replicas; the broker's default when undefined. */
  minInsyncReplicas?: number | undefined;
}

/** The createTopics entry for a spec: min.insync.replicas as a topic config when it is set. */
export function topicConfig({ minInsyncReplicas, ...topic }: TopicSpec): ITopicConfig {
  return minInsyncReplicas === undefined
    ? topic
    : { ...topic, configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }] };
}

/** Creates `topics` if they are missing; existing topics are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic)).map(topicConfig);
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
