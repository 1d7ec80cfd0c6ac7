import { readSchemaId } from '@userstream/shared';

/** A readable view of a letter's value: decoded Avro, the producer's JSON, or hex. */
export type ValueView =
  | { format: 'avro'; schemaId: number; data: unknown }
  | { format: 'json'; data: unknown }
  | { format: 'hex'; bytes: number; data: string; note?: string }
  | { format: 'none' };

const HEX_LIMIT = 256;

/**
 * Decodes `value`: Confluent-framed Avro with its own writer schema (`decodeAvro`, the registry's), JSON
 * (the producer's refusals), else hex (the first 256 bytes) with why it did not decode.
 */
export async function viewValue(
  value: Buffer | null,
  decodeAvro: (value: Buffer) => Promise<unknown>,
): Promise<ValueView> {
  if (value === null) return { format: 'none' };
  let note: string | undefined;
  let framed = false;
  try {
    readSchemaId(value);
    framed = true;
  } catch {
    // Not Confluent-framed: try JSON below.
  }
  if (framed) {
    try {
      return { format: 'avro', schemaId: value.readInt32BE(1), data: await decodeAvro(value) };
    } catch (error) {
      note = `Avro decoding failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  } else {
    try {
      return { format: 'json', data: JSON.parse(value.toString('utf8')) as unknown };
    } catch {
      note = 'neither Confluent-framed Avro nor JSON';
    }
  }
  const shown = value.subarray(0, HEX_LIMIT).toString('hex');
  return {
    format: 'hex',
    bytes: value.length,
    data: value.length > HEX_LIMIT ? `${shown}…` : shown,
    ...(note ? { note } : {}),
  };
}

/** Avro values as JSON: longs beyond 2^53 as strings, Buffers (bytes, fixed) as hex. */
export function toJsonSafe(data: unknown): unknown {
  return JSON.parse(
    JSON.stringify(data, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
        return Buffer.from((value as { data: number[] }).data).toString('hex');
      }
      return value;
    }),
  ) as unknown;
}
