// Everything at once. Prefer the narrow entries (@userstream/shared/kafka, /cassandra, /avro, /record,
// /config, /errors, /observability, /lifecycle; /testing for tests): a service that imports this one loads
// kafkajs and cassandra-driver whether it uses them or not.
export * from './config.ts';
export * from './errors.ts';
export * from './observability.ts';
export * from './lifecycle.ts';
export * from './record.ts';
export * from './avro.ts';
export * from './kafka.ts';
export * from './cassandra.ts';
// Kept here while code written against the whole package moves to /testing.
export * from './testing.ts';
