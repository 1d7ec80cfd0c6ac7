import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { UserRecord } from '@userstream/shared/record';
import { createUserBatchEncoder, registerUserSchema } from '@userstream/shared/avro';

/** An encoder bound to the schema id the registry gave our .avsc. */
export interface UserEncoder {
  schemaId: number;
  /** One Confluent-framed value per record, in order. */
  encodeAll(records: readonly UserRecord[]): Buffer[];
}

/** Registers the user schema under `<topic>-value` (TopicNameStrategy) and returns an encoder for its id. */
export async function prepareUserEncoder(registry: SchemaRegistry, topic: string): Promise<UserEncoder> {
  const schemaId = await registerUserSchema(registry, `${topic}-value`);
  return { schemaId, encodeAll: createUserBatchEncoder(schemaId) };
}
