import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { registerZstdCodec } from './kafka-codecs.ts';
import { kafkaSecurityFrom, type KafkaSecurity, type KafkaSecuritySettings } from './security-options.ts';

export interface KafkaClientConfig extends KafkaSecurity {
  brokers: string[];
  clientId: string;
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

/** Routes kafkajs's own logs into the service's pino logger as structured fields. */
function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const expected = level === logLevel.WARN && EXPECTED_WARNINGS.has(message);
      child[expected ? 'debug' : (LEVELS[level] ?? 'info')](extra, message);
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

/** Creates `topics` if they are missing; existing topics are left as they are. */
export async function ensureTopics(
  kafka: Kafka,
  topics: { topic: string; numPartitions: number; replicationFactor: number }[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
