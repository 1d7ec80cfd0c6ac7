#!/usr/bin/env node
// The consumer service: consume users from Kafka, decode (Avro via the registry), validate, upsert into
// Cassandra, dead-letter what cannot be processed, and commit offsets only after the rows are written.
import { redactConfig } from '@userstream/shared/config';
import { cassandraContext, kafkaContext, securityStep } from '@userstream/shared/errors';
import {
  createLogger,
  createMetricsRegistry,
  routeProcessWarnings,
  startOpsServer,
} from '@userstream/shared/observability';
import { installShutdown, runMain } from '@userstream/shared/lifecycle';
import { createRegistry, pingRegistry, registryConfigFrom } from '@userstream/shared/avro';
import { createKafka, ensureTopics, kafkaClientConfigFrom, pipelineTopics } from '@userstream/shared/kafka';
import {
  applySchema,
  cassandraConfigFrom,
  createCassandraClient,
  verifyTable,
} from '@userstream/shared/cassandra';
import { loadConsumerConfig } from './config.ts';
import { createConsumerMetrics } from './metrics.ts';
import { createConsumerLoop } from './consume/kafka-consumer.ts';
import { createMessageDecoder } from './decode/message-decoder.ts';
import { createCassandraSink } from './write/cassandra-sink.ts';
import { createDlqPublisher } from './deadletter/dlq-publisher.ts';
import { processBatch } from './process/batch-processor.ts';

/** How long a liveness probe of Cassandra may take while no write is acknowledged. */
const PROBE_TIMEOUT_MS = 2_000;

runMain('consumer', async () => {
  const config = loadConsumerConfig();
  const logger = createLogger('consumer', config.LOG_LEVEL);
  // Node's warnings as log lines, less kafkajs's harmless TimeoutNegativeWarning.
  routeProcessWarnings(logger);
  logger.info({ config: redactConfig(config) }, 'starting consumer');
  const shutdown = installShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);

  const kafka = createKafka(kafkaClientConfigFrom(config, 'consumer'), logger);
  const registryConfig = registryConfigFrom(config);
  const registry = createRegistry(registryConfig);
  const cassandra = createCassandraClient(cassandraConfigFrom(config, config.CASSANDRA_CONSISTENCY));
  const metricsRegistry = createMetricsRegistry('consumer');
  const metrics = createConsumerMetrics(metricsRegistry);

  shutdown.add('cassandra', () => cassandra.shutdown());
  // A refused login, an untrusted certificate or a missing right stops the start with one line naming it.
  const cassandraAt = cassandraContext(config);
  await securityStep('cassandra', cassandraAt, () => cassandra.connect());
  if (config.CASSANDRA_APPLY_SCHEMA) {
    await securityStep('cassandra', cassandraAt, () =>
      applySchema(cassandra, {
        keyspace: config.CASSANDRA_KEYSPACE,
        table: config.CASSANDRA_TABLE,
        replication: config.CASSANDRA_REPLICATION,
      }),
    );
  }
  // A table that exists but does not match users.cql would refuse every row, or every row that sets a
  // drifted column: stop here, naming it.
  const tableExists = await securityStep('cassandra', cassandraAt, () =>
    verifyTable(cassandra, config.CASSANDRA_KEYSPACE, config.CASSANDRA_TABLE),
  );
  if (!tableExists) {
    logger.warn(
      { keyspace: config.CASSANDRA_KEYSPACE, table: config.CASSANDRA_TABLE },
      'the table does not exist yet: writes wait for it (create it from users.cql, or set CASSANDRA_APPLY_SCHEMA=true)',
    );
  }
  const kafkaAt = kafkaContext(config);
  await securityStep('kafka', kafkaAt, () => ensureTopics(kafka, pipelineTopics(config)));
  const dlq = createDlqPublisher(kafka, config.KAFKA_DLQ_TOPIC);
  shutdown.add('dead-letter producer', () => dlq.disconnect());
  await securityStep('kafka', kafkaAt, () => dlq.connect());
  const sink = createCassandraSink(cassandra, {
    keyspace: config.CASSANDRA_KEYSPACE,
    table: config.CASSANDRA_TABLE,
    concurrency: config.CONSUMER_WRITE_CONCURRENCY,
    batchRows: config.CONSUMER_WRITE_BATCH_ROWS,
  });
  const admin = kafka.admin();
  shutdown.add('admin', () => admin.disconnect());
  await admin.connect();
  const loop = createConsumerLoop(
    kafka,
    admin,
    {
      groupId: config.CONSUMER_GROUP_ID,
      topic: config.KAFKA_TOPIC,
      fromBeginning: config.CONSUMER_FROM_BEGINNING,
      partitionsConcurrently: config.CONSUMER_PARTITIONS_CONCURRENTLY,
      maxBytesPerPartition: config.CONSUMER_MAX_BYTES_PER_PARTITION,
      fetchMaxWaitMs: config.CONSUMER_FETCH_MAX_WAIT_MS,
      sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
      durabilityDelayMs: config.CASSANDRA_DURABILITY_DELAY_MS,
      probeCassandra: () =>
        cassandra.execute('SELECT release_version FROM system.local', [], { readTimeout: PROBE_TIMEOUT_MS }),
    },
    metrics,
    logger,
  );
  const decoder = createMessageDecoder(registry, registryConfig);
  // A node that went down may have lost writes it acknowledged (its commit log was not synced yet).
  cassandra.on('hostDown', (host: { address: string }) =>
    loop.rewind(`Cassandra host ${host.address} went down`),
  );

  // Why writes are paused (a quorum of replicas missing, say), for /readyz; undefined while they flow.
  let pausedFor: string | undefined;
  const ops = await startOpsServer({
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    logger,
    metrics: metricsRegistry,
    stopping: () => shutdown.stopping,
    readiness: {
      // Reachable dependencies are not enough: the consumer must also hold its place in the group.
      group: () => loop.checkMembership(),
      kafka: async () => void (await admin.describeCluster()),
      cassandra: async () => void (await cassandra.execute('SELECT release_version FROM system.local')),
      registry: (signal) => pingRegistry(registryConfig, signal),
      writes: () =>
        pausedFor === undefined
          ? Promise.resolve()
          : Promise.reject(new Error(`paused, retrying: ${pausedFor}`)),
    },
  });
  shutdown.add('ops server', () => ops.close());

  // A signal during start-up: the clients are being closed, so do not start consuming with them.
  if (shutdown.stopping) return undefined;
  // Registered last, so it runs first: waits for the in-flight batches to be written and committed.
  shutdown.add('consumer', () => loop.stop());
  await loop.start(
    (batch) =>
      processBatch(
        {
          decoder,
          sink,
          dlq,
          metrics,
          logger,
          retryBaseMs: config.CONSUMER_RETRY_BASE_MS,
          retryMaxMs: config.CONSUMER_RETRY_MAX_MS,
          // Two full waves of write requests: enough to keep Cassandra busy, small enough to bound memory.
          chunkSize: 2 * config.CONSUMER_WRITE_CONCURRENCY * config.CONSUMER_WRITE_BATCH_ROWS,
          heartbeatEveryMs: 1_000,
          onUnavailable: (unavailable, reason) => {
            pausedFor = unavailable ? reason : undefined;
            loop.setPaused(unavailable);
          },
          onNodeLoss: (reason) => loop.rewind(reason),
        },
        batch,
      ),
    // An idle process that looks healthy would hide the failure; exiting lets the orchestrator restart it.
    (error) => shutdown.fail('kafkajs stopped consuming and will not restart', error),
  );
  logger.info({ topic: config.KAFKA_TOPIC, groupId: config.CONSUMER_GROUP_ID }, 'consuming');

  return undefined;
});
