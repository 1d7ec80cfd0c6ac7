// The code both services share: configuration, errors, observability, lifecycle, the record, the clients.
export * from './errors/pipeline-errors.ts';
export * from './config/env.ts';
export * from './observability/logger.ts';
export * from './observability/metrics.ts';
export * from './observability/ops-server.ts';
export * from './lifecycle/shutdown.ts';
export * from './lifecycle/backoff.ts';
export * from './lifecycle/run-main.ts';
export * from './record/user-record.ts';
export * from './record/randomuser-api.ts';
export * from './record/avro-codec.ts';
export * from './clients/kafka-client.ts';
export * from './clients/kafka-codecs.ts';
export * from './clients/murmur2-partitioner.ts';
export * from './clients/idempotent-producer.ts';
export * from './clients/registry-client.ts';
export * from './clients/cassandra-client.ts';
