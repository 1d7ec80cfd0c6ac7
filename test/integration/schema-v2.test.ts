// Schema v2 rolled out on the real stack: v1 records already in the topic and v2 records after them both land
// in a table created from v1 (which the consumer migrates at start, keeping its rows); v1 and v2 readers read
// each other's records (FULL_TRANSITIVE); an incompatible schema is refused at producer start.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  createRegistry,
  createUserDecoder,
  createUserEncoder,
  loadUserAvroSchema,
  registerUserSchema,
  registryGetJson,
  schemaStatements,
  subjectCompatibility,
  type UserAvroSchema,
  type UserRecord,
} from '@userstream/shared';
import { prepareUserEncoder } from '../../services/producer/src/encode/user-encoder.ts';
import {
  allRows,
  caughtUp,
  freshNames,
  readTopic,
  stack,
  startService,
  topicSize,
  waitFor,
  suiteClients,
  createPipelineTopics,
} from './support.ts';

const V1: UserAvroSchema = JSON.parse(
  readFileSync(new URL('./fixtures/user.v1.avsc', import.meta.url), 'utf8'),
) as UserAvroSchema;
const V2_FIELDS = ['cell', 'latitude', 'longitude', 'timezone_offset'];
const registryConfig = { url: stack.SCHEMA_REGISTRY_URL };

const userId = (n: number) => `1b2c3d4e-5f60-4a7b-8c9d-${String(n).padStart(12, '0')}`;
const user = (n: number, v2: boolean): UserRecord => ({
  id: userId(n),
  first_name: `V${n}`,
  last_name: 'Two',
  gender: null,
  address: null,
  postcode: null,
  email: `v${n}@example.com`,
  username: null,
  dob: null,
  registered_date: null,
  phone: null,
  picture: null,
  nat: 'NZ',
  cell: v2 ? `(021) ${n}` : null,
  latitude: v2 ? -41.28 : null,
  longitude: v2 ? 174.77 : null,
  timezone_offset: v2 ? '+12:00' : null,
  produced_at: 1_764_000_000_000 + n,
});

/** users.cql as it was for v1: the table without the v2 columns, and no ALTER statements. */
function v1TableStatements(keyspace: string): string[] {
  return schemaStatements({
    keyspace,
    table: 'users',
    replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
  })
    .filter((statement) => !statement.startsWith('ALTER'))
    .map((statement) =>
      statement
        .split('\n')
        .filter((line) => !V2_FIELDS.some((field) => line.trim().startsWith(`${field} `)))
        .join('\n'),
    );
}

describe('schema v2', () => {
  const clients = suiteClients();

  test('user.avsc is v1 plus optional fields with null defaults, nothing else changed', () => {
    const v2 = loadUserAvroSchema();
    const v1Names = V1.fields.map((f) => f.name);
    assert.deepEqual(
      v2.fields.filter((f) => v1Names.includes(f.name)).map((f) => JSON.stringify(f)),
      V1.fields.map((f) => JSON.stringify(f)),
    );
    const added = v2.fields.filter((f) => !v1Names.includes(f.name));
    assert.deepEqual(
      added.map((f) => [f.name, f.type, f.default]),
      [
        ['cell', ['null', 'string'], null],
        ['latitude', ['null', 'double'], null],
        ['longitude', ['null', 'double'], null],
        ['timezone_offset', ['null', 'string'], null],
      ],
    );
  });

  test('v1 records then v2 records both land in a table made from v1; v1 and v2 readers read each other', async () => {
    const { db, producer } = clients;
    const names = freshNames('it_v2');
    await createPipelineTopics(names);
    const subject = `${names.KAFKA_TOPIC}-value`;
    const registry = createRegistry(registryConfig);
    // The v1 producer's era: the subject is created with FULL_TRANSITIVE, v1 records are published, and
    // the table is v1's, with a row of its own.
    const v1 = await registerUserSchema(registry, registryConfig, subject, V1);
    assert.deepEqual([v1.created, v1.compatibility], [true, 'FULL_TRANSITIVE']);
    assert.equal(await subjectCompatibility(registryConfig, subject), 'FULL_TRANSITIVE');
    for (const statement of v1TableStatements(names.CASSANDRA_KEYSPACE)) await db.execute(statement);
    await db.execute(
      `INSERT INTO ${names.CASSANDRA_KEYSPACE}.users (id, first_name, produced_at) VALUES (?, ?, ?)`,
      [userId(99), 'Before', new Date(1_700_000_000_000)],
      { prepare: true },
    );
    const encodeV1 = createUserEncoder(v1.id, V1);
    await producer.send({
      topic: names.KAFKA_TOPIC,
      messages: [1, 2, 3].map((n) => ({ key: userId(n), value: encodeV1(user(n, false)) })),
    });

    // The v2 producer: the same subject takes v2 as version 2 (compatible both ways).
    const v2 = await prepareUserEncoder(registry, registryConfig, names.KAFKA_TOPIC);
    assert.notEqual(v2.schemaId, v1.id);
    assert.deepEqual(await registryGetJson(registryConfig, `subjects/${subject}/versions`), [1, 2]);
    await producer.send({
      topic: names.KAFKA_TOPIC,
      messages: [4, 5, 6].map((n) => ({ key: userId(n), value: v2.encodeAll([user(n, true)])[0]! })),
    });

    // Either order of upgrade: a v1 consumer (v1 reader schema) reads the v2 records, without their new
    // fields; the v2 reader reads the v1 records with the new fields null.
    const messages = await readTopic(names.KAFKA_TOPIC, 6);
    const v1Reader = createUserDecoder(registry, () => Promise.resolve(), undefined, V1);
    const v2Reader = createUserDecoder(registry, () => Promise.resolve());
    for (const [index, message] of messages.entries()) {
      const n = index + 1;
      const asV1 = (await v1Reader(message.value)) as Record<string, unknown>;
      assert.deepEqual(
        Object.keys(asV1),
        V1.fields.map((f) => f.name),
        `v1 reader, record ${n}`,
      );
      assert.equal(asV1.id, userId(n));
      const asV2 = (await v2Reader(message.value)) as Record<string, unknown>;
      assert.deepEqual(
        V2_FIELDS.map((field) => asV2[field]),
        n <= 3 ? [null, null, null, null] : [`(021) ${n}`, -41.28, 174.77, '+12:00'],
        `v2 reader, record ${n}`,
      );
    }

    // The v2 consumer migrates the v1 table at start (ALTER TABLE ... ADD) and writes both.
    const consumer = startService('consumer', names);
    try {
      await waitFor('the consumer to catch up', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      const rows = new Map(
        (await allRows(db, names.CASSANDRA_KEYSPACE)).map((r) => [String(r.get('id')), r]),
      );
      assert.equal(rows.size, 7);
      assert.equal(
        rows.get(userId(99))?.get('first_name'),
        'Before',
        'the row from before the migration is kept',
      );
      for (const n of [1, 2, 3, 99]) {
        assert.deepEqual(
          V2_FIELDS.map((f): unknown => rows.get(userId(n))?.get(f)),
          [null, null, null, null],
          `row ${n}`,
        );
      }
      for (const n of [4, 5, 6]) {
        assert.deepEqual(
          V2_FIELDS.map((f): unknown => rows.get(userId(n))?.get(f)),
          [`(021) ${n}`, -41.28, 174.77, '+12:00'],
          `row ${n}`,
        );
      }
      assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'nothing dead-lettered');
    } finally {
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('an incompatible v3 is refused by the registry at producer start, naming the subject; nothing is published', async () => {
    const names = freshNames('it_v3');
    await createPipelineTopics(names);
    const subject = `${names.KAFKA_TOPIC}-value`;
    const registry = createRegistry(registryConfig);
    await prepareUserEncoder(registry, registryConfig, names.KAFKA_TOPIC); // v2, version 1
    // v3 adds a field without a default: v3 readers could not read the v1 and v2 records in the topic.
    const v2 = loadUserAvroSchema();
    const v3: UserAvroSchema = { ...v2, fields: [...v2.fields, { name: 'loyalty_points', type: 'int' }] };
    await assert.rejects(
      prepareUserEncoder(registry, registryConfig, names.KAFKA_TOPIC, v3),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          new RegExp(
            `the schema registry refused the user schema io\\.userstream\\.User for subject ${subject} \\(compatibility FULL_TRANSITIVE, HTTP 409\\)`,
          ),
        );
        return true;
      },
    );
    assert.deepEqual(await registryGetJson(registryConfig, `subjects/${subject}/versions`), [1]);

    // The real producer, started against a subject whose schema its user.avsc cannot follow (the id as an
    // int: no reader resolves a string into it), stops at start-up with exit 2 and publishes nothing.
    const other = freshNames('it_v3p');
    const otherSubject = `${other.KAFKA_TOPIC}-value`;
    const incompatible: UserAvroSchema = { ...V1, fields: [{ name: 'id', type: 'int' }] };
    await registerUserSchema(registry, registryConfig, otherSubject, incompatible);
    const run = startService('producer', { ...other, RANDOMUSER_URL: 'http://127.0.0.1:9/api/' }, ['--once']);
    assert.equal(await run.exited, 2, run.output().slice(-3_000));
    assert.match(
      run.output(),
      new RegExp(
        `refused the user schema io\\.userstream\\.User for subject ${otherSubject} \\(compatibility FULL_TRANSITIVE, HTTP 409\\)`,
      ),
    );
    assert.equal(await topicSize(other.KAFKA_TOPIC), 0, 'nothing published');
    assert.deepEqual(await registryGetJson(registryConfig, `subjects/${otherSubject}/versions`), [1]);
  });
});
