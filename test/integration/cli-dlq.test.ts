// `userstream dlq stats|show|replay` against the real stack and a running consumer: a poison record (a row
// the table refuses), found with show, the cause fixed, replayed, and the row seen; replays run twice.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type cassandra from 'cassandra-driver';
import { REPLAY_COUNT_HEADER, type UserRecord } from '@userstream/shared';
import {
  allRows,
  caughtUp,
  freshNames,
  readTopic,
  startService,
  topicSize,
  waitFor,
  suiteClients,
  createPipelineTopics,
  registerUserEncoder,
  createDriftedTable,
} from './support.ts';
import { runCli, runCliJson } from './cli-run.ts';
import type { DlqStats } from '../../services/cli/src/dlq/stats.ts';
import type { ShownLetter } from '../../services/cli/src/dlq/show.ts';
import type { ReplayReport } from '../../services/cli/src/dlq/replay-letters.ts';

const userId = (n: number) => `6c1e4b2a-3d5f-4a7b-9c8d-${String(n).padStart(12, '0')}`;
const user = (n: number, overrides: Partial<UserRecord> = {}): UserRecord => ({
  id: userId(n),
  first_name: `First${n}`,
  last_name: `Last${n}`,
  gender: 'male',
  address: '2 High St, Town, State, Country',
  postcode: null,
  email: `cli${n}@example.com`,
  username: `cli${n}`,
  dob: 600_000_000_000,
  registered_date: 1_200_000_000_000,
  phone: '555-0101',
  picture: 'https://randomuser.me/api/portraits/med/men/2.jpg',
  nat: 'GB',
  cell: '07700 900123',
  latitude: 51.5,
  longitude: -0.12,
  timezone_offset: '0:00',
  produced_at: 1_764_000_000_000 + n,
  ...overrides,
});

/** The user's own columns of a row (not the lineage columns, which a replay changes). */
const userColumns = (row: cassandra.types.Row) =>
  Object.fromEntries(
    [
      'id',
      'first_name',
      'postcode',
      'email',
      'cell',
      'latitude',
      'longitude',
      'timezone_offset',
      'produced_at',
    ].map((name) => [name, String(row.get(name))]),
  );

describe('userstream dlq', () => {
  const clients = suiteClients();

  test('a poison record: stats and show find it, the cause is fixed, replay writes the row; replays are harmless twice', async () => {
    const { db, producer } = clients;
    const names = freshNames('it_cli_dlq');
    const env = { ...names };
    await createPipelineTopics(names);
    const { schemaId, encode } = await registerUserEncoder(names.KAFKA_TOPIC);
    let consumer = startService('consumer', names);
    try {
      await consumer.waitForOutput(/"msg":"consuming"/);
      // The cause: the table is made again with an int postcode under the running consumer (schema drift),
      // so the user with a text postcode is refused for good and dead-lettered at the write stage.
      const tableName = `${names.CASSANDRA_KEYSPACE}.users`;
      await db.execute(`DROP TABLE ${tableName}`);
      await createDriftedTable(db, names.CASSANDRA_KEYSPACE);
      const garbage = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
      await producer.send({
        topic: names.KAFKA_TOPIC,
        messages: [
          { key: userId(1), value: encode(user(1)) },
          {
            key: userId(2),
            value: encode(user(2, { postcode: 'SW1A 1AA' })),
            headers: { origin: 'cli-test' },
          },
          { key: 'garbage', value: garbage },
        ],
      });
      // A producer refusal, as the producer writes it: the source's JSON with its position.
      await producer.send({
        topic: names.KAFKA_DLQ_TOPIC,
        messages: [
          {
            key: userId(9),
            value: Buffer.from(JSON.stringify({ login: { uuid: userId(9) }, email: 'not-an-email' })),
            headers: {
              'dlq.stage': 'validate',
              'dlq.error.class': 'ValidationError',
              'dlq.error.message': 'invalid record: email: must be an email address',
              'dlq.source.api': 'randomuser',
              'dlq.source.seed': 'abc',
              'dlq.source.page': '1',
              'content-type': 'application/json',
            },
          },
        ],
      });
      await readTopic(names.KAFKA_DLQ_TOPIC, 3);
      await waitFor('the consumer to commit past the poison', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );

      // stats: by stage and reason.
      const stats = await runCliJson<DlqStats>(['dlq', 'stats'], env);
      assert.equal(stats.total, 3);
      assert.deepEqual(stats.groups.map((g) => `${g.stage}/${g.reason}=${g.count}`).sort(), [
        'decode/no-confluent-framing=1',
        'validate/ValidationError=1',
        'write/WriteError=1',
      ]);
      const human = await runCli(['dlq', 'stats'], env);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /3 dead letters/);
      assert.match(human.stdout, /^write\s+WriteError\s+1\s/m);
      const future = await runCliJson<DlqStats>(['dlq', 'stats', '--since', '2999-01-01T00:00:00Z'], env);
      assert.equal(future.total, 0, '--since after every letter counts none');

      // show: decoded Avro for the consumer's letter, JSON for the producer's refusal, hex otherwise.
      const shown = await runCliJson<{ matching: number; letters: ShownLetter[] }>(['dlq', 'show'], env);
      assert.equal(shown.matching, 3);
      const byKey = new Map(shown.letters.map((l) => [l.key, l]));
      const poison = byKey.get(userId(2));
      assert.equal(poison?.stage, 'write');
      assert.match(poison?.headers['dlq.error.message'] ?? '', /Cassandra refused the row/);
      assert.equal(poison?.headers.origin, 'cli-test');
      assert.equal(poison?.value.format, 'avro');
      assert.deepEqual(
        poison?.value.format === 'avro' ? [poison.value.schemaId, poison.value.data] : undefined,
        [schemaId, JSON.parse(JSON.stringify(user(2, { postcode: 'SW1A 1AA' })))],
      );
      assert.deepEqual(byKey.get('garbage')?.value, {
        format: 'hex',
        bytes: 4,
        data: 'deadbeef',
        note: 'neither Confluent-framed Avro nor JSON',
      });
      assert.deepEqual(byKey.get(userId(9))?.value, {
        format: 'json',
        data: { login: { uuid: userId(9) }, email: 'not-an-email' },
      });
      const onlyWrite = await runCliJson<{ matching: number; letters: ShownLetter[] }>(
        ['dlq', 'show', '--reason', 'write', '--limit', '5'],
        env,
      );
      assert.deepEqual(
        onlyWrite.letters.map((l) => l.key),
        [userId(2)],
      );
      const text = await runCli(['dlq', 'show', '--reason', 'WriteError'], env);
      assert.match(text.stdout, /value \(Avro, schema id \d+\):/);
      assert.match(text.stdout, /"postcode": "SW1A 1AA"/);

      // The fix: the table made right. The consumer is restarted, as after any change of its table (its
      // driver keeps the prepared statement's column types), and applies users.cql at start.
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      await db.execute(`DROP TABLE ${tableName}`);
      consumer = startService('consumer', names);
      await consumer.waitForOutput(/"msg":"consuming"/);

      // A dry run sends nothing and commits nothing.
      const dry = await runCliJson<ReplayReport>(['dlq', 'replay', '--dry-run'], env);
      assert.equal(dry.replayed.length, 2);
      assert.equal(dry.notReplayable, 1, 'the producer refusal');
      const sizeBefore = await topicSize(names.KAFKA_TOPIC);
      assert.equal(sizeBefore, 3);

      const first = await runCliJson<ReplayReport>(['dlq', 'replay'], env);
      assert.deepEqual(
        first.replayed.map((r) => [r.key, r.replayCount]).sort(),
        [
          [userId(2), 1],
          ['garbage', 1],
        ].sort(),
      );
      assert.equal(await topicSize(names.KAFKA_TOPIC), 5, 'two letters sent back');
      const [replayedRow] = await waitFor('the replayed row', async () => {
        const rows = (await allRows(db, names.CASSANDRA_KEYSPACE)).filter(
          (r) => String(r.get('id')) === userId(2),
        );
        return rows.length === 1 ? rows : undefined;
      });
      assert.equal(replayedRow!.get('postcode'), 'SW1A 1AA');
      assert.equal(replayedRow!.get('cell'), '07700 900123');
      // The replayed message carries its original key, bytes and headers plus the replay count.
      const main = await readTopic(names.KAFKA_TOPIC, 5);
      const resent = main.find((m) => Number(m.offset) >= 3 && m.key?.toString() === userId(2));
      assert.deepEqual(resent?.value, encode(user(2, { postcode: 'SW1A 1AA' })));
      assert.equal(resent?.headers?.[REPLAY_COUNT_HEADER]?.toString(), '1');
      assert.equal(resent?.headers?.origin?.toString(), 'cli-test');
      // The garbage fails again: its new letter keeps the last failure as dlq.previous.* and the count.
      const letters = await readTopic(names.KAFKA_DLQ_TOPIC, 4);
      const again = letters.find((m) => Number(m.offset) === 3);
      assert.equal(again?.key?.toString(), 'garbage');
      assert.equal(again?.headers?.['dlq.previous.stage']?.toString(), 'decode');
      assert.equal(again?.headers?.[REPLAY_COUNT_HEADER]?.toString(), '1');

      // Run again: the group remembers, only the new letter (the garbage's second failure) is read.
      await waitFor('the consumer to commit the replayed messages', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      const second = await runCliJson<ReplayReport>(['dlq', 'replay', '--reason', 'write'], env);
      // --reason write has a group of its own: it sends the write letter again, which is harmless.
      assert.deepEqual(
        second.replayed.map((r) => r.key),
        [userId(2)],
      );
      const third = await runCliJson<ReplayReport>(['dlq', 'replay', '--reason', 'write'], env);
      assert.deepEqual(third.replayed, [], 'the same command again sends nothing');
      assert.equal(third.read, 0);
      await waitFor('the consumer to commit the second replay', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      const rows = await allRows(db, names.CASSANDRA_KEYSPACE);
      assert.deepEqual(
        rows.map((r) => String(r.get('id'))).sort(),
        [userId(2)],
        'one row for the user however often it was replayed (row 1 went with the dropped table)',
      );
      assert.deepEqual(
        userColumns(rows[0]!),
        userColumns(replayedRow!),
        'same values after the second replay',
      );
    } finally {
      await consumer.stop();
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });
});
