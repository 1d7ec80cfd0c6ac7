import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DecodeError } from '../errors/pipeline-errors.ts';
import {
  createUserBatchEncoder,
  createUserDecoder,
  createUserEncoder,
  loadUserAvroSchema,
  readSchemaId,
} from './avro-codec.ts';
import { sampleRecord } from './sample-record.ts';

/** A registry double that knows the given ids (unit scope; the real registry is exercised in test/). */
function fakeRegistry(schemas: Map<number, unknown>, failWith?: Error): SchemaRegistry {
  return {
    getSchema: (id: number) => {
      if (failWith) return Promise.reject(failWith);
      const type = schemas.get(id);
      return type
        ? Promise.resolve(type)
        : Promise.reject(Object.assign(new Error('Schema not found'), { status: 404 }));
    },
  } as unknown as SchemaRegistry;
}

/** The registry serves its API (GET /subjects answers). */
const answers = () => Promise.resolve();

test('encodes with the Confluent framing: magic byte 0 and the schema id', () => {
  const encoded = createUserEncoder(42)(sampleRecord);
  assert.equal(encoded[0], 0);
  assert.equal(encoded.readInt32BE(1), 42);
  assert.equal(readSchemaId(encoded), 42);
});

test('round-trips a record through the decoder', async () => {
  const type = avro.Type.forSchema(loadUserAvroSchema() as avro.Schema);
  const decode = createUserDecoder(fakeRegistry(new Map([[7, type]])), answers);
  assert.deepEqual({ ...((await decode(createUserEncoder(7)(sampleRecord))) as object) }, sampleRecord);
});

test('a batch encodes each record into its own framed view, growing past a too-small first guess', async () => {
  const type = avro.Type.forSchema(loadUserAvroSchema() as avro.Schema);
  const decode = createUserDecoder(fakeRegistry(new Map([[9, type]])), answers);
  const encodeAll = createUserBatchEncoder(9);
  // The first block is sized at 512 bytes per record; 3 KB addresses force it to grow mid-batch.
  const records = Array.from({ length: 50 }, (_, i) => ({
    ...sampleRecord,
    username: `user-${i}`,
    address: i % 7 === 3 ? 'x'.repeat(3_000 + i) : sampleRecord.address,
  }));
  const values = encodeAll(records);
  assert.equal(values.length, records.length);
  for (const [i, value] of values.entries()) {
    assert.equal(readSchemaId(value), 9);
    assert.deepEqual({ ...((await decode(value)) as object) }, records[i], `record ${i}`);
  }
  // A later batch must not overwrite the views of an earlier one.
  const again = encodeAll([{ ...sampleRecord, username: 'other' }]);
  assert.deepEqual({ ...((await decode(values[0]!)) as object) }, records[0]);
  assert.equal(((await decode(again[0]!)) as { username: string }).username, 'other');
  assert.deepEqual(encodeAll([]), []);
});

test('decodes without waiting only once the schema id is cached', async () => {
  const type = avro.Type.forSchema(loadUserAvroSchema() as avro.Schema);
  const decode = createUserDecoder(fakeRegistry(new Map([[7, type]])), answers);
  const value = createUserEncoder(7)(sampleRecord);
  assert.equal(decode.cached(value), undefined);
  await decode(value);
  assert.deepEqual({ ...(decode.cached(value) as object) }, sampleRecord);
  assert.throws(() => decode.cached(Buffer.from('plain')), DecodeError);
  assert.throws(
    () => decode.cached(Buffer.concat([value.subarray(0, 5), Buffer.from([0xff])])),
    (error: unknown) => error instanceof DecodeError && error.reason === 'avro-decode',
  );
});

test('decodes an older writer schema into the reader schema (fields added later default to null)', async () => {
  const old = loadUserAvroSchema();
  const writer = avro.Type.forSchema({
    ...old,
    fields: old.fields.filter((f) => f.name !== 'phone'),
  } as avro.Schema);
  const { phone: _phone, ...oldRecord } = sampleRecord;
  const body = writer.toBuffer(oldRecord);
  const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 9]), body]);
  const decoded = (await createUserDecoder(fakeRegistry(new Map([[9, writer]])), answers)(framed)) as Record<
    string,
    unknown
  >;
  assert.equal(decoded.phone, null);
  assert.equal(decoded.email, sampleRecord.email);
});

test('classifies decode failures', async () => {
  const type = avro.Type.forSchema(loadUserAvroSchema() as avro.Schema);
  const decode = createUserDecoder(fakeRegistry(new Map([[1, type]])), answers);
  const reason = async (value: Buffer | null): Promise<string> => {
    try {
      await decode(value);
      return 'decoded';
    } catch (error) {
      assert.ok(error instanceof DecodeError);
      return error.reason;
    }
  };
  assert.equal(await reason(Buffer.from('{"json": true}')), 'no-confluent-framing');
  assert.equal(await reason(null), 'no-confluent-framing');
  assert.equal(await reason(Buffer.from([0, 0, 0, 0, 99, 1, 2])), 'unknown-schema-id');
  assert.equal(await reason(Buffer.from([0, 0, 0, 0, 1, 0xff, 0xff, 0xff])), 'avro-decode');
  const down = createUserDecoder(fakeRegistry(new Map(), new Error('connect ECONNREFUSED')), answers);
  await assert.rejects(down(createUserEncoder(1)(sampleRecord)), (error: unknown) => {
    assert.ok(error instanceof DecodeError);
    assert.equal(error.reason, 'registry-unavailable');
    assert.match(error.message, /ECONNREFUSED/, 'the cause is in the message');
    assert.equal(error.permanent, false);
    return true;
  });
  // What the registry serves for an id but no user can be read with: dead-lettered, not retried forever.
  const parseFailure = Object.assign(new Error('schema is invalid'), {
    name: 'ConfluentSchemaRegistryArgumentError',
  });
  const other = avro.Type.forSchema({ type: 'record', name: 'Other', fields: [{ name: 'n', type: 'int' }] });
  const unreadable = [
    createUserDecoder(fakeRegistry(new Map(), parseFailure), answers),
    createUserDecoder(fakeRegistry(new Map([[1, { validate: () => true }]])), answers), // a JSON Schema
    createUserDecoder(fakeRegistry(new Map([[1, other]])), answers), // no resolution into a user
  ];
  for (const [i, decodeWith] of unreadable.entries()) {
    await assert.rejects(decodeWith(createUserEncoder(1)(sampleRecord)), (error: unknown) => {
      assert.ok(error instanceof DecodeError, `case ${i}`);
      assert.equal(error.reason, 'unreadable-schema', `case ${i}: ${error.message}`);
      assert.equal(error.permanent, true);
      return true;
    });
  }
  // A parse failure of something that was not the registry's schema document (a proxy's 200 page) is an
  // outage, retried, not a reason to dead-letter every message.
  const proxyPage = createUserDecoder(fakeRegistry(new Map(), parseFailure), answers, () =>
    Promise.resolve(false),
  );
  await assert.rejects(proxyPage(createUserEncoder(1)(sampleRecord)), (error: unknown) => {
    assert.ok(error instanceof DecodeError);
    assert.equal(error.reason, 'registry-unavailable');
    return true;
  });
  // A 404 from a registry URL that serves no API at all (a wrong path, a proxy) is not an unknown id.
  const wrongUrl = createUserDecoder(fakeRegistry(new Map()), () => Promise.reject(new Error('HTTP 404')));
  await assert.rejects(wrongUrl(Buffer.from([0, 0, 0, 0, 99, 1, 2])), (error: unknown) => {
    assert.ok(error instanceof DecodeError);
    assert.equal(error.reason, 'registry-unavailable');
    assert.equal(error.permanent, false);
    assert.match(error.message, /SCHEMA_REGISTRY_URL/);
    return true;
  });
});
