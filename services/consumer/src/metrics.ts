import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The consumer's Prometheus metrics. */
export function createConsumerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    consumed: new Counter({
      name: 'userstream_consumer_records_consumed_total',
      help: 'Kafka messages received',
      registers,
    }),
    written: new Counter({
      name: 'userstream_consumer_records_written_total',
      help: 'Rows upserted into Cassandra',
      registers,
    }),
    deadLettered: new Counter({
      name: 'userstream_consumer_records_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic, by stage and error class',
      labelNames: ['stage', 'error'] as const,
      registers,
    }),
    retries: new Counter({
      name: 'userstream_consumer_transient_retries_total',
      help: 'Retries after transient errors (Cassandra or registry unavailable), by stage',
      labelNames: ['stage'] as const,
      registers,
    }),
    batchWriteDuration: new Histogram({
      name: 'userstream_consumer_batch_write_duration_seconds',
      help: 'Time to write one batch of rows to Cassandra',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    latency: new Histogram({
      name: 'userstream_consumer_produce_to_write_seconds',
      help: 'From the Kafka message timestamp to the row being written',
      // Fine below 250 ms, where the latency target is, so quantiles can be read off it.
      buckets: [
        0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5,
        5, 10, 30, 60,
      ],
      registers,
    }),
    lag: new Gauge({
      name: 'userstream_consumer_lag',
      help: 'Messages not yet written or dead-lettered, per partition: those of the batch in progress and after it',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
    committedOffset: new Gauge({
      name: 'userstream_consumer_committed_offset',
      help: 'The offset this member last committed per partition: rows before it are durable in Cassandra',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
    uncommitted: new Gauge({
      name: 'userstream_consumer_uncommitted_records',
      help: 'Records written but not committed yet, per partition: waiting for CASSANDRA_DURABILITY_DELAY_MS',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
    rewinds: new Counter({
      name: 'userstream_consumer_rewinds_total',
      help: 'Times the consumer read its partitions again from the committed offsets after a Cassandra node loss',
      registers,
    }),
    rewritten: new Counter({
      name: 'userstream_consumer_records_rewritten_total',
      help: 'Records written again after a rewind or a rebalance (idempotent upserts: harmless)',
      registers,
    }),
    paused: new Gauge({
      name: 'userstream_consumer_paused',
      help: '1 while fetching is paused because a dependency is unavailable',
      registers,
    }),
  };
}

export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>;
