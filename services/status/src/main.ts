#!/usr/bin/env node
// The status page: one page showing the pipeline live (flow rates, lag, dead letters, runs, newest users,
// health of each part), from the services' /metrics, /readyz and /runs, Kafka and Cassandra. Reads only.
import { randomBytes } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import {
  cassandraConfigFrom,
  createCassandraClient,
  createKafka,
  kafkaClientConfigFrom,
  createLogger,
  createMetricsRegistry,
  installShutdown,
  redactConfig,
  registryConfigFrom,
  runMain,
  startOpsServer,
  withTimeout,
} from '@userstream/shared';
import { loadStatusConfig } from './config.ts';
import { createCollector, type StatusSnapshot } from './collector.ts';
import { pageRoutes } from './page-routes.ts';
import { TopicTail } from './topic-tail.ts';

runMain('status', async () => {
  const config = loadStatusConfig();
  const logger = createLogger('status', config.LOG_LEVEL);
  logger.info({ config: redactConfig(config) }, 'starting status');
  const shutdown = installShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);

  // The same TLS and SASL settings as the services: a secured cluster is read the same way.
  const kafka = createKafka(kafkaClientConfigFrom(config, 'status'), logger);
  const admin = kafka.admin();
  const cassandra = createCassandraClient(cassandraConfigFrom(config, 'one'));
  // A group of its own per process, never committed: it only reads the newest messages.
  const tail = new TopicTail(
    kafka,
    {
      topic: config.KAFKA_TOPIC,
      dlqTopic: config.KAFKA_DLQ_TOPIC,
      groupId: `userstream-status-${randomBytes(4).toString('hex')}`,
      keepUsers: config.STATUS_NEWEST_USERS,
      keepLetters: config.STATUS_NEWEST_DEAD_LETTERS,
    },
    logger,
  );
  shutdown.add('cassandra', () => cassandra.shutdown());
  // Bounded: with the broker down, kafkajs may still be retrying the admin's connection.
  shutdown.add('admin', () =>
    withTimeout(admin.disconnect(), 2_000, 'admin disconnect').catch(() => undefined),
  );
  shutdown.add('topic tail', () => tail.stop());
  // Not connected here: each poll connects what is not yet, so the page comes up (showing them down) while
  // Kafka or Cassandra is down, and picks them up when they come.

  const collector = createCollector({
    producerUrl: config.STATUS_PRODUCER_URL,
    consumerUrls: config.STATUS_CONSUMER_URLS,
    admin,
    cassandra,
    registry: registryConfigFrom(config),
    tail,
    topic: config.KAFKA_TOPIC,
    groupId: config.CONSUMER_GROUP_ID,
    keyspace: config.CASSANDRA_KEYSPACE,
    table: config.CASSANDRA_TABLE,
    timeoutMs: config.STATUS_PROBE_TIMEOUT_MS,
    historyMs: config.STATUS_HISTORY_MINUTES * 60_000,
  });

  const metricsRegistry = createMetricsRegistry('status');
  const partUp = new Gauge({
    name: 'userstream_status_part_up',
    help: '1 when the part answered and was ready at the last poll, 0 otherwise',
    labelNames: ['part'] as const,
    registers: [metricsRegistry],
  });
  const polls = new Counter({
    name: 'userstream_status_polls_total',
    help: 'Collections of the page data, by result',
    labelNames: ['result'] as const,
    registers: [metricsRegistry],
  });

  let latest: StatusSnapshot | undefined;
  let timer: NodeJS.Timeout | undefined;
  const poll = async (): Promise<void> => {
    const started = Date.now();
    try {
      latest = await collector.collect();
      for (const part of latest.parts) partUp.set({ part: part.name }, part.state === 'up' ? 1 : 0);
      polls.inc({ result: 'ok' });
    } catch (error) {
      polls.inc({ result: 'error' });
      logger.error({ err: error }, 'collecting the status failed');
    }
    // Start to start: a poll that waited on a down part does not stretch the interval.
    const wait = Math.max(0, config.STATUS_POLL_MS - (Date.now() - started));
    if (!shutdown.stopping) timer = setTimeout(() => void poll(), wait);
  };
  shutdown.add('poller', () => clearTimeout(timer));

  const ops = await startOpsServer({
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    logger,
    metrics: metricsRegistry,
    stopping: () => shutdown.stopping,
    // Ready once it has something to show; the parts it watches being down is what it shows, not a failure.
    readiness: {
      collected: () => (latest ? Promise.resolve() : Promise.reject(new Error('no collection finished yet'))),
    },
    routes: pageRoutes(() => latest),
  });
  shutdown.add('ops server', () => ops.close());
  void poll();
  logger.info({ url: `http://${config.HTTP_HOST}:${ops.port}/` }, 'status page listening');
  return undefined;
});
