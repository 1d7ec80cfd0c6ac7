import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import {
  createUserBatchEncoder,
  loadUserAvroSchema,
  registerUserSchema,
  type RegistryConfig,
  type UserAvroSchema,
  type UserRecord,
} from '@userstream/shared';

/** An encoder bound to the schema id the registry gave our .avsc. */
export interface UserEncoder {
  schemaId: number;
  /** One Confluent-framed value per record, in order. */
  encodeAll(records: readonly UserRecord[]): Buffer[];
}

/**
 * Registers the user schema (user.avsc unless `schema` is given) under `<topic>-value` (TopicNameStrategy)
 * and returns an encoder for its id, with the subject's compatibility level. Throws ConfigError when the registry refuses the schema.
 */
export async function prepareUserEncoder(
  registry: SchemaRegistry,
  config: RegistryConfig,
  topic: string,
  schema: UserAvroSchema = loadUserAvroSchema(),
): Promise<UserEncoder & { compatibility: string }> {
  const { id, compatibility } = await registerUserSchema(registry, config, `${topic}-value`, schema);
  return { schemaId: id, compatibility, encodeAll: createUserBatchEncoder(id, schema) };
}
