import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createUserDecoder, validateUserRecord, type UserRecord } from '@userstream/shared';

/** Decodes a Kafka value (Confluent-framed Avro, any registered schema id) and validates it as a user. */
export function createMessageDecoder(
  registry: SchemaRegistry,
): (value: Buffer | null) => Promise<UserRecord> {
  const decode = createUserDecoder(registry);
  return async (value) => validateUserRecord(await decode(value));
}
