import { readFileSync } from 'node:fs';
import { COMPATIBILITY, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { DecodeError, describeError } from '../errors/pipeline-errors.ts';
import type { UserRecord } from './user-record.ts';

/** Path of the Avro schema file, the single source of truth for the Kafka value. */
export const USER_AVSC_PATH = new URL('../../schemas/user.avsc', import.meta.url);

/** The parsed user Avro schema (reader schema for the consumer, writer schema for the producer). */
export function loadUserAvroSchema(): UserAvroSchema {
  return JSON.parse(readFileSync(USER_AVSC_PATH, 'utf8')) as UserAvroSchema;
}

/** The .avsc content: an Avro record schema. */
export interface UserAvroSchema {
  type: 'record';
  name: string;
  namespace?: string;
  fields: { name: string; type: unknown }[];
}

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

/** Registers the user schema under `subject` with BACKWARD compatibility and returns its id. */
export async function registerUserSchema(registry: SchemaRegistry, subject: string): Promise<number> {
  const { id } = await registry.register(loadUserAvroSchema(), {
    subject,
    compatibility: COMPATIBILITY.BACKWARD,
  });
  return id;
}

/** Encodes records with one registered schema id: magic byte 0, the id (4 bytes, big-endian), Avro body. */
export function createUserEncoder(schemaId: number): (record: UserRecord) => Buffer {
  const type = avro.Type.forSchema(loadUserAvroSchema() as avro.Schema);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return (record) => Buffer.concat([header, type.toBuffer(record)]);
}

/** The schema id a Confluent-framed value carries, or a DecodeError if it has no framing. */
export function readSchemaId(value: Buffer | null): number {
  if (!value || value.length < HEADER_BYTES || value[0] !== MAGIC_BYTE) {
    throw new DecodeError(
      'no-confluent-framing',
      value === null
        ? 'message has no value (tombstone)'
        : `value is not Confluent-framed Avro (${value.length} bytes, first byte ${value[0] ?? 'none'})`,
    );
  }
  return value.readInt32BE(1);
}

/**
 * Decodes Confluent-framed Avro values of any registered id into the reader schema; writer schemas are
 * fetched once per id and cached, so the hot path does no I/O.
 */
export function createUserDecoder(registry: SchemaRegistry): (value: Buffer | null) => Promise<unknown> {
  const reader = avro.Type.forSchema(loadUserAvroSchema() as avro.Schema);
  const decoders = new Map<number, Promise<(payload: Buffer) => unknown>>();

  async function decoderFor(id: number): Promise<(payload: Buffer) => unknown> {
    let writer: avro.Type;
    try {
      // For Avro subjects the library returns an avsc Type.
      writer = (await registry.getSchema(id)) as unknown as avro.Type;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404 || /not found/i.test(describeError(error))) {
        throw new DecodeError('unknown-schema-id', `schema id ${id} is not in the registry`, {
          cause: error,
        });
      }
      throw new DecodeError('registry-unavailable', `registry lookup of schema id ${id} failed`, {
        cause: error,
      });
    }
    if (writer.equals(reader)) return (payload) => reader.fromBuffer(payload) as unknown;
    const resolver = reader.createResolver(writer);
    return (payload) => reader.fromBuffer(payload, resolver) as unknown;
  }

  return async (value) => {
    const id = readSchemaId(value);
    let decoder = decoders.get(id);
    if (!decoder) {
      decoder = decoderFor(id);
      decoders.set(id, decoder);
      // A failed lookup must not poison the cache: the next message retries it.
      decoder.catch(() => decoders.delete(id));
    }
    const decode = await decoder;
    try {
      return decode((value as Buffer).subarray(HEADER_BYTES));
    } catch (error) {
      throw new DecodeError(
        'avro-decode',
        `Avro decoding with schema id ${id} failed: ${describeError(error)}`,
        {
          cause: error,
        },
      );
    }
  };
}
