// The producer's public entry (`@userstream/producer`): what tools outside the service (the bench) may use.
export { loadProducerConfig, type ProducerConfig } from './config.ts';
export { toUserRecords } from './validate/to-user-record.ts';
