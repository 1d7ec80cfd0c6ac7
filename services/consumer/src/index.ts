// The consumer's public entry (`@userstream/consumer`): what tools outside the service (the bench) may use.
export { loadConsumerConfig, type ConsumerConfig } from './config.ts';
export {
  createCassandraSink,
  upsertParams,
  upsertStatement,
  type RowToWrite,
} from './write/cassandra-sink.ts';
