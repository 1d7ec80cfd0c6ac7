import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import avro from 'avsc';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createRegistry, type UserRecord } from '@userstream/shared';
import {
  allRows,
  caughtUp,
  createTopics,
  freshNames,
  readTopic,
  stack,
  startService,
  waitFor,
  opsPort,
  topicSize,
  suiteClients,
  createPipelineTopics,
  registerUserEncoder,
  createDriftedTable,
} from './support.ts';

const userId = (n: number) => `0d2a1f3c-5b6e-4f70-8a9b-${String(n).padStart(12, '0')}`;
const user = (n: number, overrides: Partial<UserRecord> = {}): UserRecord => ({
  id: userId(n),
  first_name: `First${n}`,
  last_name: `Last${n}`,
  gender: 'female',
  address: '1 Main St, Town, State, Country',
  postcode: null,
  email: `user${n}@example.com`,
  username: `user${n}`,
  dob: 700_000_000_000,
  registered_date: 1_100_000_000_000,
  phone: '555-0100',
  picture: 'https://randomuser.me/api/portraits/med/women/1.jpg',
  nat: 'US',
  cell: null,
  latitude: null,
  longitude: null,
  timezone_offset: null,
  produced_at: Date.now(),
  ...overrides,
});

/** One-partition topic and dead-letter topic for `names`, and an encoder with the registered schema id. */
async function prepareTopics(names: ReturnType<typeof freshNames>) {
  await createPipelineTopics(names);
  return registerUserEncoder(names.KAFKA_TOPIC);
}

/** The input topic, and a dead-letter topic that takes at most 1,000 bytes per batch. */
async function createTopicsWithSmallDlq(names: ReturnType<typeof freshNames>): Promise<void> {
  await createTopics([
    { topic: names.KAFKA_TOPIC, numPartitions: 1, replicationFactor: 1 },
    {
      topic: names.KAFKA_DLQ_TOPIC,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [{ name: 'max.message.bytes', value: '1000' }],
    },
  ]);
}

describe('dead-letter topic', () => {
  const clients = suiteClients();

  test('poison messages of each kind land in the DLQ with their headers; valid ones around them are written', async () => {
    const { db, producer } = clients;
    const names = freshNames('it_dlq');
    const { schemaId, encode } = await prepareTopics(names);
    const framed = (id: number, body: Buffer) => {
      const header = Buffer.alloc(5);
      header.writeInt32BE(id, 1);
      return Buffer.concat([header, body]);
    };
    // A registered Avro schema that is not a user (no resolution into the reader schema).
    const otherSchema = {
      type: 'record',
      name: 'Other',
      namespace: 'it',
      fields: [{ name: 'n', type: 'int' }],
    };
    const otherType = avro.Type.forSchema(otherSchema as avro.Schema);
    const { id: otherId } = await createRegistry({ url: stack.SCHEMA_REGISTRY_URL }).register(
      { type: SchemaType.AVRO, schema: JSON.stringify(otherSchema) },
      { subject: `${names.KAFKA_TOPIC}-other` },
    );
    const poison = [
      {
        key: 'json',
        value: Buffer.from(JSON.stringify({ id: 'x', first_name: 'json' })),
        stage: 'decode',
        reason: 'no-confluent-framing',
      },
      {
        key: 'unknown-id',
        value: framed(987_654_321, encode(user(90)).subarray(5)),
        stage: 'decode',
        reason: 'unknown-schema-id',
      },
      {
        key: 'garbage',
        value: framed(schemaId, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01])),
        stage: 'decode',
        reason: 'avro-decode',
      },
      {
        key: 'invalid',
        value: encode(user(91, { id: 'not-a-uuid', email: 'nope' })),
        stage: 'validate',
        reason: undefined,
      },
      {
        key: 'foreign-schema',
        value: framed(otherId, otherType.toBuffer({ n: 1 })),
        stage: 'decode',
        reason: 'unreadable-schema',
      },
    ];
    await producer.send({
      topic: names.KAFKA_TOPIC,
      messages: [
        { key: userId(1), value: encode(user(1)) },
        ...poison.slice(0, 2).map((p) => ({ key: p.key, value: p.value, headers: { origin: 'test' } })),
        { key: userId(2), value: encode(user(2)) },
        ...poison.slice(2).map((p) => ({ key: p.key, value: p.value, headers: { origin: 'test' } })),
        { key: userId(3), value: encode(user(3)) },
      ],
    });

    const consumer = startService('consumer', names);
    try {
      const letters = await readTopic(names.KAFKA_DLQ_TOPIC, poison.length);
      await waitFor('the consumer to commit past the poison', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      const rows = await allRows(db, names.CASSANDRA_KEYSPACE);
      assert.deepEqual(rows.map((r) => String(r.get('id'))).sort(), [userId(1), userId(2), userId(3)]);
      assert.equal(letters.length, poison.length);
      const offsets: Record<string, string> = {
        json: '1',
        'unknown-id': '2',
        garbage: '4',
        invalid: '5',
        'foreign-schema': '6',
      };
      for (const expected of poison) {
        const letter = letters.find((m) => m.key?.toString() === expected.key);
        assert.ok(letter, `DLQ message for ${expected.key}`);
        assert.deepEqual(letter.value, expected.value, 'original bytes kept');
        const header = (name: string) => letter.headers?.[name]?.toString();
        assert.equal(header('origin'), 'test', 'original headers kept');
        assert.equal(header('dlq.stage'), expected.stage, expected.key);
        assert.equal(header('dlq.error.reason'), expected.reason, expected.key);
        assert.equal(header('dlq.source.topic'), names.KAFKA_TOPIC);
        assert.equal(header('dlq.source.partition'), '0');
        assert.equal(header('dlq.source.offset'), offsets[expected.key]);
        assert.ok((header('dlq.error.message') ?? '').length > 0);
      }
      const invalid = letters.find((m) => m.key?.toString() === 'invalid')!;
      assert.equal(invalid.headers?.['dlq.error.class']?.toString(), 'ValidationError');
      assert.match(
        invalid.headers?.['dlq.error.message']?.toString() ?? '',
        /id: must be a UUID.*email: must be an email/,
      );
    } finally {
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('a table that does not match users.cql stops the consumer at start-up, naming the column; nothing is consumed', async () => {
    const { db, producer } = clients;
    const names = freshNames('it_dlq_table');
    await createDriftedTable(db, names.CASSANDRA_KEYSPACE);
    const { encode } = await prepareTopics(names);
    await producer.send({ topic: names.KAFKA_TOPIC, messages: [{ key: userId(1), value: encode(user(1)) }] });
    // CREATE TABLE IF NOT EXISTS leaves the drifted table as it is; every row with a postcode would fail.
    const consumer = startService('consumer', names);
    try {
      const code = await Promise.race([
        consumer.exited,
        new Promise((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000).unref()),
      ]);
      assert.equal(code, 2, consumer.output().slice(-3_000));
      assert.match(
        consumer.output(),
        new RegExp(
          `CASSANDRA_TABLE: ${names.CASSANDRA_KEYSPACE}\\.users does not match .*users\\.cql: column postcode is int, expected text`,
        ),
      );
      assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'nothing dead-lettered');
      assert.equal(await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC), false, 'nothing committed');
    } finally {
      await consumer.stop('SIGKILL');
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('a table changed under a running consumer: rows it refuses for good are dead-lettered at the write stage, the rest written', async () => {
    const { db, producer } = clients;
    const names = freshNames('it_dlqw');
    const { encode } = await prepareTopics(names);
    const consumer = startService('consumer', names);
    try {
      await consumer.waitForOutput(/"msg":"consuming"/);
      // Schema drift after start-up: the table is made again with an int postcode, so a text postcode
      // cannot be written, ever; rows without a postcode still can.
      await db.execute(`DROP TABLE ${names.CASSANDRA_KEYSPACE}.users`);
      await createDriftedTable(db, names.CASSANDRA_KEYSPACE);
      await producer.send({
        topic: names.KAFKA_TOPIC,
        messages: [
          { key: userId(1), value: encode(user(1)) },
          { key: userId(2), value: encode(user(2, { postcode: 'A1B 2C3' })) },
          { key: userId(3), value: encode(user(3)) },
        ],
      });
      const [letter] = await readTopic(names.KAFKA_DLQ_TOPIC, 1);
      assert.equal(letter?.key?.toString(), userId(2));
      assert.equal(
        letter?.headers?.['dlq.stage']?.toString(),
        'write',
        JSON.stringify(
          Object.fromEntries(Object.entries(letter?.headers ?? {}).map(([k, v]) => [k, String(v)])),
        ),
      );
      assert.equal(letter?.headers?.['dlq.error.class']?.toString(), 'WriteError');
      assert.match(letter?.headers?.['dlq.error.message']?.toString() ?? '', /Cassandra refused the row/);
      assert.equal(letter?.headers?.['dlq.source.offset']?.toString(), '1');
      await waitFor('the consumer to commit', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      const rows = await allRows(db, names.CASSANDRA_KEYSPACE);
      assert.deepEqual(rows.map((r) => String(r.get('id'))).sort(), [userId(1), userId(3)]);
    } finally {
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('dead letters are gzipped: a 2,000-byte value that compresses fits a dead-letter topic of 1,000-byte batches', async () => {
    const { db, producer } = clients;
    const names = freshNames('it_dlq_gzip');
    await createTopicsWithSmallDlq(names);
    await producer.send({
      topic: names.KAFKA_TOPIC,
      messages: [{ key: 'k', value: Buffer.alloc(2_000, 'x') }],
    });
    const consumer = startService('consumer', names);
    try {
      const [letter] = await readTopic(names.KAFKA_DLQ_TOPIC, 1);
      assert.deepEqual(letter?.value, Buffer.alloc(2_000, 'x'), 'the original bytes');
      assert.equal(letter?.headers?.['dlq.error.reason']?.toString(), 'no-confluent-framing');
      await waitFor('the consumer to commit', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
    } finally {
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('a dead letter the broker refuses for good stops the consumer with exit 1, its offset uncommitted', async () => {
    const { db, producer } = clients;
    const names = freshNames('it_dlq_refused');
    await createTopicsWithSmallDlq(names);
    // Random bytes do not compress: 2,000 of them cannot go to the dead-letter topic, even gzipped.
    await producer.send({ topic: names.KAFKA_TOPIC, messages: [{ key: 'k', value: randomBytes(2_000) }] });
    const consumer = startService('consumer', names);
    // kafkajs does not restart after a non-retriable error (MESSAGE_TOO_LARGE): an idle process would hide it.
    const code = await Promise.race([
      consumer.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000).unref()),
    ]);
    await consumer.stop('SIGKILL');
    await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    assert.equal(code, 1, consumer.output().slice(-3_000));
    assert.match(consumer.output(), /shutting down after a fatal failure/);
    assert.equal(
      await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC),
      false,
      'the poison offset stays',
    );
  });

  test('a registry URL that serves no API (404 everywhere) is retried as an outage, not dead-lettered', async () => {
    const { db, producer } = clients;
    const names = freshNames('it_dlq_wrong_registry');
    const { encode } = await prepareTopics(names);
    await producer.send({ topic: names.KAFKA_TOPIC, messages: [{ key: userId(1), value: encode(user(1)) }] });
    const wrongUrl = new URL('/no-such-api/', stack.SCHEMA_REGISTRY_URL).toString();
    const consumer = startService('consumer', {
      ...names,
      SCHEMA_REGISTRY_URL: wrongUrl,
      CONSUMER_RETRY_MAX_MS: '500',
    });
    try {
      await consumer.waitForOutput(/is SCHEMA_REGISTRY_URL right\?/);
      const port = await opsPort(consumer);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), /"registry":"Error: registry answered HTTP 404"/);
      assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'nothing dead-lettered');
      assert.equal(await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC), false, 'nothing committed');
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
    } finally {
      await consumer.stop('SIGKILL');
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });
});
