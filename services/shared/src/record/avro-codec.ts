import { readFileSync } from 'node:fs';
import { COMPATIBILITY, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { ConfigError, DecodeError, describeError } from '../errors/pipeline-errors.ts';
import { subjectCompatibility, type RegistryConfig } from '../clients/registry-client.ts';
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
  doc?: string;
  fields: { name: string; type: unknown; default?: unknown; doc?: string }[];
}

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

/**
 * The compatibility a new subject gets. FULL_TRANSITIVE: every version can read every other's records, so
 * producers and consumers upgrade in either order, and a consumer reads all versions still in the topic.
 * Schema changes are then limited to adding or removing fields that have defaults (docs/cli.md).
 */
export const USER_SUBJECT_COMPATIBILITY = COMPATIBILITY.FULL_TRANSITIVE;

/** A schema registered under a subject. */
export interface RegisteredSchema {
  id: number;
  /** The subject's compatibility level the registry checked the schema against. */
  compatibility: string;
  /** True when this registration created the subject (and set its compatibility). */
  created: boolean;
}

/**
 * Registers `schema` (the user schema by default) under `subject`. A new subject gets
 * USER_SUBJECT_COMPATIBILITY, set right after its first version; an existing one keeps the level it has
 * (an operator's choice, or the BACKWARD that versions before schema v2 set). A schema the registry refuses
 * (incompatible, or invalid) is a ConfigError naming the subject, its level and the registry's reason.
 */
export async function registerUserSchema(
  registry: SchemaRegistry,
  config: RegistryConfig,
  subject: string,
  schema: UserAvroSchema = loadUserAvroSchema(),
): Promise<RegisteredSchema> {
  const current = await subjectCompatibility(config, subject);
  const compatibility = current ?? USER_SUBJECT_COMPATIBILITY;
  try {
    const { id } = await registry.register(
      schema as avro.Schema as Parameters<SchemaRegistry['register']>[0],
      {
        subject,
        compatibility: compatibility as COMPATIBILITY,
        updateConfig: current === undefined,
      },
    );
    return { id, compatibility, created: current === undefined };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 409 || status === 422) {
      throw new ConfigError([
        `the schema registry refused the user schema ${schema.namespace ?? ''}.${schema.name} for subject ${subject} (compatibility ${compatibility}, HTTP ${status}): ${describeError(error)}. Nothing was published; a schema change may only add or remove fields that have defaults`,
      ]);
    }
    throw error;
  }
}

/** Encodes records with one registered schema id: magic byte 0, the id (4 bytes, big-endian), Avro body. */
export function createUserEncoder(
  schemaId: number,
  schema: UserAvroSchema = loadUserAvroSchema(),
): (record: UserRecord) => Buffer {
  const encodeAll = createUserBatchEncoder(schemaId, schema);
  return (record) => encodeAll([record])[0]!;
}

/**
 * Encodes many records at once into one buffer and returns a view per record: one allocation per batch
 * instead of two per record (the producer's hot path; Kafka clients copy the values when they send).
 */
export function createUserBatchEncoder(
  schemaId: number,
  schema: UserAvroSchema = loadUserAvroSchema(),
): (records: readonly UserRecord[]) => Buffer[] {
  const type = avro.Type.forSchema(schema as avro.Schema);
  let bytesPerRecord = 512;
  return (records) => {
    let block = Buffer.allocUnsafe(Math.max(records.length, 1) * bytesPerRecord);
    const values: Buffer[] = new Array<Buffer>(records.length);
    let pos = 0;
    let total = 0;
    for (let i = 0; i < records.length; i++) {
      let end = block.length < pos + HEADER_BYTES ? -1 : type.encode(records[i], block, pos + HEADER_BYTES);
      while (end < 0) {
        // Out of room: continue in a bigger block (the views already handed out keep the old one alive).
        block = Buffer.allocUnsafe(Math.max(block.length * 2, (records.length - i) * bytesPerRecord * 2));
        pos = 0;
        end = type.encode(records[i], block, HEADER_BYTES);
      }
      block[pos] = MAGIC_BYTE;
      block.writeInt32BE(schemaId, pos + 1);
      values[i] = block.subarray(pos, end);
      total += end - pos;
      pos = end;
    }
    // Size the next batch's block from this one's records.
    if (records.length > 0) bytesPerRecord = Math.max(64, Math.ceil((total / records.length) * 1.25));
    return values;
  };
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

/** Decodes Confluent-framed user values; see createUserDecoder. */
export interface UserDecoder {
  (value: Buffer | null): Promise<unknown>;
  /**
   * The same decoding without waiting, for values whose writer schema is already cached; undefined when
   * it is not (then use the async form). Saves a promise per message on the hot path.
   */
  cached(value: Buffer | null): unknown;
}

/**
 * Decodes Confluent-framed Avro values of any registered id into the reader schema; writer schemas are
 * fetched once per id and cached, so the hot path does no I/O. `registryAnswers` resolves when the registry
 * serves its API (GET /subjects): a 404 for an id only means "unknown id" when it does, since a wrong URL
 * or a proxy also answers 404, and dead-lettering every message for that would be wrong. Likewise
 * `servesSchema(id)` confirms that a schema the library could not parse came from the registry.
 * `readerSchema` is user.avsc unless given (a test reads as an older consumer would).
 */
export function createUserDecoder(
  registry: SchemaRegistry,
  registryAnswers: () => Promise<void>,
  servesSchema: (id: number) => Promise<boolean> = () => Promise.resolve(true),
  readerSchema: UserAvroSchema = loadUserAvroSchema(),
): UserDecoder {
  const reader = avro.Type.forSchema(readerSchema as avro.Schema);
  const decoders = new Map<number, Promise<(payload: Buffer) => unknown>>();
  const ready = new Map<number, (payload: Buffer) => unknown>();

  async function decoderFor(id: number): Promise<(payload: Buffer) => unknown> {
    let writer: unknown;
    try {
      // For Avro subjects the library returns an avsc Type.
      writer = await registry.getSchema(id);
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404) {
        const apiAnswers = await registryAnswers().then(
          () => true,
          () => false,
        );
        if (apiAnswers) {
          throw new DecodeError('unknown-schema-id', `schema id ${id} is not in the registry`, {
            cause: error,
          });
        }
        throw new DecodeError(
          'registry-unavailable',
          `registry answered 404 for schema id ${id} and does not serve GET /subjects either: is SCHEMA_REGISTRY_URL right?`,
          { cause: error },
        );
      }
      // The library could not parse what it got. Only when that was the registry's own schema document (not
      // a proxy's or a maintenance page served with 200) can retrying not help.
      if (
        error instanceof Error &&
        error.name === 'ConfluentSchemaRegistryArgumentError' &&
        (await servesSchema(id).catch(() => false))
      ) {
        throw new DecodeError('unreadable-schema', `schema id ${id} cannot be parsed: ${error.message}`, {
          cause: error,
        });
      }
      throw new DecodeError(
        'registry-unavailable',
        `registry lookup of schema id ${id} failed: ${describeError(error)}`,
        { cause: error },
      );
    }
    if (!(writer instanceof avro.Type)) {
      throw new DecodeError('unreadable-schema', `schema id ${id} is not an Avro schema`);
    }
    let decode: (payload: Buffer) => unknown;
    if (writer.equals(reader)) {
      decode = (payload) => reader.fromBuffer(payload) as unknown;
    } else {
      let resolver: avro.Resolver;
      try {
        resolver = reader.createResolver(writer);
      } catch (error) {
        throw new DecodeError(
          'unreadable-schema',
          `schema id ${id} cannot be read as a user: ${describeError(error)}`,
          { cause: error },
        );
      }
      decode = (payload) => reader.fromBuffer(payload, resolver) as unknown;
    }
    ready.set(id, decode);
    return decode;
  }

  function decodeWith(decode: (payload: Buffer) => unknown, id: number, value: Buffer): unknown {
    try {
      return decode(value.subarray(HEADER_BYTES));
    } catch (error) {
      throw new DecodeError(
        'avro-decode',
        `Avro decoding with schema id ${id} failed: ${describeError(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  const decodeValue = async (value: Buffer | null): Promise<unknown> => {
    const id = readSchemaId(value);
    let decoder = decoders.get(id);
    if (!decoder) {
      decoder = decoderFor(id);
      decoders.set(id, decoder);
      // A failed lookup must not poison the cache: the next message retries it.
      decoder.catch(() => decoders.delete(id));
    }
    return decodeWith(await decoder, id, value as Buffer);
  };
  return Object.assign(decodeValue, {
    cached(value: Buffer | null): unknown {
      const id = readSchemaId(value);
      const decode = ready.get(id);
      return decode ? decodeWith(decode, id, value as Buffer) : undefined;
    },
  });
}
