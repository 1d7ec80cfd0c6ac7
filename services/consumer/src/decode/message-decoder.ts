import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { validateUserRecord, type UserRecord } from '@userstream/shared/record';
import {
  createUserDecoder,
  registryServesApi,
  registryServesSchema,
  type RegistryConfig,
} from '@userstream/shared/avro';

/** Decodes Kafka values (Confluent-framed Avro, any registered schema id) and validates them as users. */
export interface MessageDecoder {
  decode(value: Buffer | null): Promise<UserRecord>;
  /** The same without waiting when the value's schema is cached; undefined when it is not. */
  decodeCached(value: Buffer | null): UserRecord | undefined;
}

/** Creates the consumer's decoder: registry lookups once per schema id, zod validation for every value. */
export function createMessageDecoder(registry: SchemaRegistry, config: RegistryConfig): MessageDecoder {
  const decode = createUserDecoder(
    registry,
    () => registryServesApi(config),
    (id) => registryServesSchema(config, id),
  );
  return {
    decode: async (value) => validateUserRecord(await decode(value)),
    decodeCached(value) {
      const decoded = decode.cached(value);
      return decoded === undefined ? undefined : validateUserRecord(decoded);
    },
  };
}
