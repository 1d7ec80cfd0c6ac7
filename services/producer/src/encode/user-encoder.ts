import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createUserEncoder, registerUserSchema, type UserRecord } from '@userstream/shared';

/** An encoder bound to the schema id the registry gave our .avsc. */
export interface UserEncoder {
  schemaId: number;
  encode(record: UserRecord): Buffer;
}

/** Registers the user schema under `<topic>-value` (TopicNameStrategy) and returns an encoder for its id. */
export async function prepareUserEncoder(registry: SchemaRegistry, topic: string): Promise<UserEncoder> {
  const schemaId = await registerUserSchema(registry, `${topic}-value`);
  return { schemaId, encode: createUserEncoder(schemaId) };
}
