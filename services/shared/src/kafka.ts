// @userstream/shared/kafka: the kafkajs client, codecs, partitioner and idempotent producer.
export * from './clients/kafka-client.ts';
export * from './clients/kafka-codecs.ts';
export * from './clients/murmur2-partitioner.ts';
export * from './clients/idempotent-producer.ts';
