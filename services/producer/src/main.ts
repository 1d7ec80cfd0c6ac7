#!/usr/bin/env node
// The producer service: on a cron schedule (and on demand) fetch users, validate, encode as Avro, publish.
// `--once` runs a single batch and exits 0 on success, 1 on failure.
import { redactConfig } from '@userstream/shared/config';
import {
  createLogger,
  createMetricsRegistry,
  routeProcessWarnings,
  startOpsServer,
} from '@userstream/shared/observability';
import { installShutdown, runMain } from '@userstream/shared/lifecycle';
import { createRegistry, pingRegistry, registryConfigFrom } from '@userstream/shared/avro';
import { createKafka, ensureTopics } from '@userstream/shared/kafka';
import { loadProducerConfig } from './config.ts';
import { createProducerMetrics } from './metrics.ts';
import { createRandomUserClient } from './source/randomuser-client.ts';
import { prepareUserEncoder } from './encode/user-encoder.ts';
import { createKafkaPublisher } from './publish/kafka-publisher.ts';
import { runOnce } from './run/producer-run.ts';
import { createRunCoordinator, type RunRecord } from './run/run-coordinator.ts';
import { scheduleRuns } from './run/run-schedule.ts';
import { runRoutes } from './http/run-routes.ts';

runMain('producer', async () => {
  const config = loadProducerConfig();
  const once = process.argv.includes('--once');
  const logger = createLogger('producer', config.LOG_LEVEL);
  // Node's warnings as log lines, less kafkajs's harmless TimeoutNegativeWarning.
  routeProcessWarnings(logger);
  logger.info({ config: redactConfig(config), once }, 'starting producer');
  const shutdown = installShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  // A --once job stopped before its run began published nothing: its exit code must not say it succeeded.
  let runBegan = false;
  if (once) {
    shutdown.add('once', () => {
      if (!runBegan) throw new Error('stopped during start-up, before the run began: nothing was published');
    });
  }

  const registryConfig = registryConfigFrom(config);
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-producer` },
    logger,
  );
  const registry = createRegistry(registryConfig);
  const metricsRegistry = createMetricsRegistry('producer');
  const metrics = createProducerMetrics(metricsRegistry);
  const aborter = new AbortController();

  const topicSettings = {
    numPartitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS,
  };
  await ensureTopics(kafka, [
    { topic: config.KAFKA_TOPIC, ...topicSettings },
    { topic: config.KAFKA_DLQ_TOPIC, ...topicSettings },
  ]);
  const encoder = await prepareUserEncoder(registry, registryConfig, config.KAFKA_TOPIC);
  logger.info(
    {
      subject: `${config.KAFKA_TOPIC}-value`,
      schemaId: encoder.schemaId,
      compatibility: encoder.compatibility,
    },
    'schema registered',
  );
  const publisher = createKafkaPublisher(kafka, {
    topic: config.KAFKA_TOPIC,
    dlqTopic: config.KAFKA_DLQ_TOPIC,
    compression: config.KAFKA_COMPRESSION,
    chunkSize: config.KAFKA_SEND_CHUNK,
  });
  shutdown.add('kafka producer', () => publisher.disconnect());
  await publisher.connect();

  const source = createRandomUserClient({
    url: config.RANDOMUSER_URL,
    timeoutMs: config.RANDOMUSER_TIMEOUT_MS,
    maxRetries: config.RANDOMUSER_MAX_RETRIES,
    retryBaseMs: config.RANDOMUSER_RETRY_BASE_MS,
    retryMaxMs: config.RANDOMUSER_RETRY_MAX_MS,
    rateLimitWaitMs: config.RANDOMUSER_RATE_LIMIT_WAIT_MS,
    logger,
    onRetry: (reason) => metrics.fetchRetries.inc({ reason }),
    signal: aborter.signal,
  });
  const coordinator = createRunCoordinator(
    () =>
      runOnce(
        { fetchPage: (request) => source.fetchPage(request), encoder, publisher, metrics, logger },
        {
          batchSize: config.PRODUCER_BATCH_SIZE,
          pageSize: config.PRODUCER_PAGE_SIZE,
          seed: config.RANDOMUSER_SEED,
          nat: config.RANDOMUSER_NAT,
          signal: aborter.signal,
        },
      ),
    logger,
    metrics,
  );

  // Runs first at shutdown: no new pages are fetched; what was fetched is still published.
  const finishRun = async (): Promise<void> => {
    coordinator.close();
    aborter.abort();
    await coordinator.current();
  };

  if (once) {
    // --once exits 0 only if every page of its batch was fetched and published (rejected records aside),
    // signalled or not: a job stopped mid-run (or mid-failure) must not report success.
    const incomplete = (record: RunRecord): string | undefined =>
      record.status === 'failed'
        ? `the run failed: ${record.error ?? 'unknown'}${record.summary ? ` (${record.summary.published} of ${config.PRODUCER_BATCH_SIZE} published, seed ${record.summary.seed})` : ''}`
        : record.status === 'stopped'
          ? `stopped before the batch was complete: ${record.summary?.published ?? 0} of ${config.PRODUCER_BATCH_SIZE} published`
          : undefined;
    // A signal during start-up: the 'once' step reports it (exit 1); no run may begin on a closing producer.
    if (shutdown.stopping) return undefined;
    const started = coordinator.start('once')!;
    runBegan = true;
    shutdown.add('run', async () => {
      await finishRun();
      const reason = incomplete(started);
      if (reason) throw new Error(reason);
    });
    const record = await coordinator.current()!;
    await publisher.disconnect();
    return incomplete(record) === undefined ? 0 : 1;
  }

  const admin = kafka.admin();
  shutdown.add('admin', () => admin.disconnect());
  await admin.connect();
  const ops = await startOpsServer({
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    logger,
    metrics: metricsRegistry,
    stopping: () => shutdown.stopping,
    readiness: {
      kafka: async () => void (await admin.describeCluster()),
      registry: (signal) => pingRegistry(registryConfig, signal),
    },
    routes: runRoutes(coordinator),
  });
  shutdown.add('ops server', () => ops.close());
  // A signal during start-up: the steps registered below still run, but no run may begin on a closed producer.
  if (shutdown.stopping) coordinator.close();
  const task = scheduleRuns(
    config.PRODUCER_SCHEDULE,
    () => void coordinator.start('schedule'),
    metrics,
    logger,
  );
  shutdown.add('run', finishRun);
  shutdown.add('schedule', () => task.stop());
  if (config.PRODUCER_RUN_ON_START) coordinator.start('start');

  return undefined;
});
