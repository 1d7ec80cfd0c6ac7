// The consumer's public entry (`@userstream/consumer`): what tools outside the service (the bench) may use.
export { loadConsumerConfig, type ConsumerConfig } from './config.ts';
export { upsertParams, upsertStatement } from './write/cassandra-sink.ts';
