import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type cassandra from 'cassandra-driver';
import { startRandomUserSource, type RandomUser } from '@userstream/randomuser-source';
import { countRows } from '@userstream/shared';
import {
  allRows,
  cassandraClient,
  caughtUp,
  freshNames,
  produceUsers,
  readTopic,
  stack,
  startService,
  topicSize,
  waitFor,
  killLeftovers,
} from './support.ts';

describe('pipeline: offline source -> producer -> Kafka -> consumer -> Cassandra', () => {
  const names = freshNames('it_pipe');
  const SEED = 'pipeline-it';
  const USERS = 1_000;
  let source: Awaited<ReturnType<typeof startRandomUserSource>>;
  let db: cassandra.Client;
  let consumer: ReturnType<typeof startService>;

  before(async () => {
    source = await startRandomUserSource({ port: 0, host: '127.0.0.1' });
    db = await cassandraClient();
    consumer = startService('consumer', names);
    await consumer.waitForOutput(/"msg":"consuming"/);
  });
  after(async () => {
    await consumer?.stop();
    await killLeftovers();
    await db?.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    await db?.shutdown();
    await source?.close();
  });

  const produce = async (): Promise<void> => {
    const producer = await produceUsers(names, source.url, SEED, USERS);
    assert.match(producer.output(), /"msg":"run finished"/);
  };

  test('1,000 users become exactly 1,000 rows whose fields equal the source', async () => {
    await produce();
    await waitFor('1000 rows', async () =>
      (await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE)) === USERS ? true : undefined,
    );
    const response = await fetch(`${source.url}?results=${USERS}&seed=${SEED}&page=1`);
    const expected = ((await response.json()) as { results: RandomUser[] }).results;
    const rows = new Map(
      (await allRows(db, names.CASSANDRA_KEYSPACE)).map((row) => [String(row.get('id')), row]),
    );
    assert.equal(rows.size, USERS);
    for (const user of expected) {
      const row = rows.get(user.login.uuid);
      assert.ok(row, `row for ${user.login.uuid}`);
      const l = user.location;
      assert.deepEqual(
        {
          first_name: row.get('first_name') as unknown,
          last_name: row.get('last_name') as unknown,
          gender: row.get('gender') as unknown,
          email: row.get('email') as unknown,
          username: row.get('username') as unknown,
          phone: row.get('phone') as unknown,
          nat: row.get('nat') as unknown,
          picture: row.get('picture') as unknown,
          postcode: row.get('postcode') as unknown,
          address: row.get('address') as unknown,
          dob: (row.get('dob') as Date).toISOString(),
          registered_date: (row.get('registered_date') as Date).toISOString(),
        },
        {
          first_name: user.name.first,
          last_name: user.name.last,
          gender: user.gender,
          email: user.email,
          username: user.login.username,
          phone: user.phone,
          nat: user.nat,
          picture: user.picture.medium,
          postcode: String(l.postcode),
          address: `${l.street.number} ${l.street.name}, ${l.city}, ${l.state}, ${l.country}`,
          dob: new Date(user.dob.date).toISOString(),
          registered_date: new Date(user.registered.date).toISOString(),
        },
      );
      assert.ok((row.get('kafka_offset') as { toNumber(): number }).toNumber() >= 0);
      assert.ok(row.get('ingested_at') instanceof Date);
    }
  });

  test('Kafka values carry the Confluent framing with the registered schema id, keyed by user id', async () => {
    const latest = await fetch(
      `${stack.SCHEMA_REGISTRY_URL}/subjects/${names.KAFKA_TOPIC}-value/versions/latest`,
    );
    assert.equal(latest.status, 200);
    const { id } = (await latest.json()) as { id: number };
    const messages = await readTopic(names.KAFKA_TOPIC, USERS);
    for (const message of messages) {
      assert.equal(message.value?.[0], 0, 'magic byte');
      assert.equal(message.value?.readInt32BE(1), id, 'schema id');
      assert.match(message.key?.toString() ?? '', /^[0-9a-f-]{36}$/);
    }
  });

  test('producing the same seed again adds no rows', async () => {
    await produce();
    assert.equal(await topicSize(names.KAFKA_TOPIC), 2 * USERS, 'the second run was published');
    await waitFor('the consumer to catch up', async () =>
      (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
    );
    assert.equal(await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE), USERS);
  });

  test('replaying the topic from the beginning with a new consumer group adds no rows', async () => {
    const replayGroup = `${names.CONSUMER_GROUP_ID}_replay`;
    const replay = startService('consumer', { ...names, CONSUMER_GROUP_ID: replayGroup });
    try {
      await waitFor('the replay consumer to catch up', async () =>
        (await caughtUp(replayGroup, names.KAFKA_TOPIC)) ? true : undefined,
      );
    } finally {
      assert.equal(await replay.stop(), 0, replay.output().slice(-3_000));
    }
    assert.equal(await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE), USERS);
    assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'nothing was dead-lettered');
  });

  test('a fetch limit smaller than one produced batch still reads every record', async () => {
    // Each produce request is one compressed batch of many records, far over 1 KiB. Kafka still returns one
    // oversized batch per fetch; if it did not (or kafkajs dropped it), the group would never get past it.
    const smallGroup = `${names.CONSUMER_GROUP_ID}_small`;
    // Its own keyspace, so the rows counted are the ones this consumer wrote.
    const keyspace = `${names.CASSANDRA_KEYSPACE}_small`;
    const small = startService('consumer', {
      ...names,
      CONSUMER_GROUP_ID: smallGroup,
      CASSANDRA_KEYSPACE: keyspace,
      CONSUMER_MAX_BYTES_PER_PARTITION: '1024',
    });
    try {
      await waitFor('the small-fetch consumer to catch up', async () =>
        (await caughtUp(smallGroup, names.KAFKA_TOPIC)) ? true : undefined,
      );
    } finally {
      assert.equal(await small.stop(), 0, small.output().slice(-3_000));
    }
    try {
      assert.equal(await countRows(db, keyspace, names.CASSANDRA_TABLE), USERS);
    } finally {
      await db.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    }
    assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'nothing was dead-lettered');
  });
});
