import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type cassandra from 'cassandra-driver';
import type { Admin, Kafka } from 'kafkajs';
import {
  createCassandraClient,
  createKafka,
  createLogger,
  createRegistry,
  registryConfigFrom,
  type RegistryConfig,
} from '@userstream/shared';
import type { CliConfig } from './config.ts';

/** The clients a command needs, each made on first use; close() closes the ones that were made. */
export interface CliContext {
  config: CliConfig;
  kafka: Kafka;
  registryConfig: RegistryConfig;
  admin(): Promise<Admin>;
  registry(): SchemaRegistry;
  cassandra(): Promise<cassandra.Client>;
  close(): Promise<void>;
}

/** A context for `config`; client logs go to stderr so that stdout holds only the command's answer. */
export function createCliContext(config: CliConfig): CliContext {
  const logger = createLogger('userstream-cli', config.CLI_LOG_LEVEL, process.stderr);
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-cli` },
    logger,
  );
  const registryConfig = registryConfigFrom(config);
  let admin: Promise<Admin> | undefined;
  let registry: SchemaRegistry | undefined;
  let db: Promise<cassandra.Client> | undefined;
  const closers: (() => Promise<void>)[] = [];
  return {
    config,
    kafka,
    registryConfig,
    admin() {
      admin ??= (async () => {
        const client = kafka.admin();
        closers.push(() => client.disconnect());
        await client.connect();
        return client;
      })();
      return admin;
    },
    registry() {
      registry ??= createRegistry(registryConfig);
      return registry;
    },
    cassandra() {
      db ??= (async () => {
        const client = createCassandraClient({
          contactPoints: config.CASSANDRA_CONTACT_POINTS,
          localDataCenter: config.CASSANDRA_LOCAL_DC,
          username: config.CASSANDRA_USERNAME,
          password: config.CASSANDRA_PASSWORD,
          consistency: config.CASSANDRA_CONSISTENCY,
        });
        closers.push(() => client.shutdown());
        await client.connect();
        return client;
      })();
      return db;
    },
    async close() {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}
