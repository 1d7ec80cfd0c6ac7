import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The producer's Prometheus metrics. */
export function createProducerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    runs: new Counter({
      name: 'userstream_producer_runs_total',
      help: 'Producer runs by outcome (success, stopped by shutdown, failure, skipped, missed)',
      labelNames: ['outcome', 'trigger'] as const,
      registers,
    }),
    fetched: new Counter({
      name: 'userstream_producer_records_fetched_total',
      help: 'Users received from the source',
      registers,
    }),
    published: new Counter({
      name: 'userstream_producer_records_published_total',
      help: 'Users acknowledged by Kafka',
      registers,
    }),
    rejected: new Counter({
      name: 'userstream_producer_records_rejected_total',
      help: 'Users that failed validation, by the first failing field',
      labelNames: ['field'] as const,
      registers,
    }),
    deadLettered: new Counter({
      name: 'userstream_producer_records_dead_lettered_total',
      help: 'Rejected users sent to the dead-letter topic, acknowledged by Kafka',
      registers,
    }),
    fetchRetries: new Counter({
      name: 'userstream_producer_fetch_retries_total',
      help: 'Source requests retried, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    fetchDuration: new Histogram({
      name: 'userstream_producer_fetch_duration_seconds',
      help: 'Time to fetch one page from the source, retries included',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    publishDuration: new Histogram({
      name: 'userstream_producer_publish_duration_seconds',
      help: 'Time to encode and publish one page to Kafka',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    runDuration: new Histogram({
      name: 'userstream_producer_run_duration_seconds',
      help: 'Duration of a whole run',
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'userstream_producer_last_success_timestamp_seconds',
      help: 'Unix time of the last successful run',
      registers,
    }),
  };
}

export type ProducerMetrics = ReturnType<typeof createProducerMetrics>;
