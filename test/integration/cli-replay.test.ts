// `userstream replay --from` and `userstream status` against the real stack: the consumer group's offsets
// moved back by time or to the earliest, refused while consumers run, rows written again with the same values.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type cassandra from 'cassandra-driver';
import { type UserRecord } from '@userstream/shared';
import {
  allRows,
  caughtUp,
  committedOffsets,
  freshNames,
  startService,
  waitFor,
  suiteClients,
  createPipelineTopics,
  registerUserEncoder,
} from './support.ts';
import { runCli, runCliJson } from './cli-run.ts';
import type { GroupReplayReport } from '../../services/cli/src/group/replay-group.ts';
import type { StatusReport } from '../../services/cli/src/status.ts';

const userId = (n: number) => `8f3a2b1c-4d5e-4f60-a7b8-${String(n).padStart(12, '0')}`;
const user = (n: number): UserRecord => ({
  id: userId(n),
  first_name: `F${n}`,
  last_name: `L${n}`,
  gender: 'female',
  address: null,
  postcode: String(10_000 + n),
  email: `r${n}@example.com`,
  username: `r${n}`,
  dob: null,
  registered_date: null,
  phone: null,
  picture: null,
  nat: 'FR',
  cell: `06 ${n}`,
  latitude: n / 10,
  longitude: -n / 10,
  timezone_offset: '+1:00',
  produced_at: 1_764_000_000_000 + n,
});

/** Each row's columns except ingested_at (which a re-write changes), by id. */
const snapshot = (rows: cassandra.types.Row[]) =>
  new Map(
    rows.map((row) => [
      String(row.get('id')),
      JSON.stringify(
        Object.fromEntries(
          row
            .keys()
            .filter((k) => k !== 'ingested_at')
            .map((k) => [k, String(row.get(k))]),
        ),
      ),
    ]),
  );

describe('userstream replay --from and status', () => {
  const clients = suiteClients();

  test('moves the group back by time or to the earliest; refuses while members are live; rows re-written', async () => {
    const { db, producer } = clients;
    const names = freshNames('it_cli_replay');
    const env = { ...names };
    await createPipelineTopics(names, 2);
    const { schemaId: id, encode } = await registerUserEncoder(names.KAFKA_TOPIC);
    // Two batches an hour apart by their Kafka timestamps: a replay from between them re-reads the second.
    const t0 = Date.now() - 7_200_000;
    const send = (from: number, to: number, timestamp: number) =>
      producer.send({
        topic: names.KAFKA_TOPIC,
        messages: Array.from({ length: to - from }, (_, i) => ({
          key: userId(from + i),
          value: encode(user(from + i)),
          timestamp: String(timestamp),
        })),
      });
    await send(0, 12, t0);
    await send(12, 20, t0 + 3_600_000);

    let consumer = startService('consumer', names);
    try {
      await waitFor('the consumer to catch up', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      const before = snapshot(await allRows(db, names.CASSANDRA_KEYSPACE));
      assert.equal(before.size, 20);
      const ingestedBefore = new Map(
        (await allRows(db, names.CASSANDRA_KEYSPACE)).map((r) => [
          String(r.get('id')),
          (r.get('ingested_at') as Date).getTime(),
        ]),
      );

      // status with the consumer running.
      const status = await runCliJson<StatusReport>(['status'], env);
      assert.equal(status.topic.partitions?.length, 2);
      assert.equal(status.topic.lag, 0);
      assert.equal(status.topic.members, 1);
      assert.equal(status.deadLetters.count, 0);
      assert.deepEqual(status.registry.versions, [1]);
      assert.equal(status.registry.compatibility, 'FULL_TRANSITIVE');
      assert.equal(status.registry.latestId, id);
      assert.equal(status.table.rows, 20);
      const screen = await runCli(['status'], env);
      assert.equal(screen.code, 0, screen.stderr);
      assert.match(screen.stdout, new RegExp(`table ${names.CASSANDRA_KEYSPACE}\\.users: 20 rows`));
      assert.match(screen.stdout, /compatibility FULL_TRANSITIVE/);

      // Refused while the consumer is a member, naming it; nothing moved.
      const committed = await committedOffsets(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC);
      const refused = await runCli(['replay', '--from', 'offset:earliest'], env);
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /has 1 live member\(s\): userstream-consumer on /);
      assert.deepEqual(await committedOffsets(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC), committed);

      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      await waitFor('the group to be empty', async () => {
        const run = await runCli(['replay', '--from', 'offset:earliest', '--dry-run'], env);
        return run.code === 0 ? true : undefined;
      });

      // By time, dry run: the second batch (8 users) would be read again; nothing moves.
      const from = new Date(t0 + 1_800_000).toISOString();
      const dry = await runCliJson<GroupReplayReport>(['replay', '--from', from, '--dry-run'], env);
      const sum = (pick: (p: GroupReplayReport['partitions'][number]) => number) =>
        dry.partitions.reduce((total, p) => total + pick(p), 0);
      assert.equal(
        sum((p) => p.lagBefore),
        0,
      );
      assert.equal(
        sum((p) => p.lagAfter),
        8,
      );
      assert.deepEqual(await committedOffsets(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC), committed);
      const table = await runCli(['replay', '--from', from, '--dry-run'], env);
      assert.match(table.stdout, /^PARTITION\s+COMMITTED\s+END\s+LAG BEFORE\s+NEW OFFSET\s+LAG AFTER$/m);
      assert.match(table.stdout, /lag before 0, after 8 \(nothing moved\)/);

      // To the earliest, for real: every row is read and written again.
      const moved = await runCliJson<GroupReplayReport>(['replay', '--from', 'offset:earliest'], env);
      assert.equal(
        moved.partitions.reduce((total, p) => total + p.lagAfter, 0),
        20,
      );
      assert.deepEqual(
        [...(await committedOffsets(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)).values()],
        [0, 0],
      );
      consumer = startService('consumer', names);
      await waitFor('the consumer to catch up again', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      const rows = await allRows(db, names.CASSANDRA_KEYSPACE);
      assert.deepEqual(snapshot(rows), before, 'the same rows with the same values, none lost');
      for (const row of rows) {
        const id = String(row.get('id'));
        assert.ok(
          (row.get('ingested_at') as Date).getTime() > ingestedBefore.get(id)!,
          `${id} written again`,
        );
      }
    } finally {
      await consumer.stop();
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('bad arguments exit 2 and change nothing', async () => {
    const run = await runCli(['replay', '--from', 'yesterday'], {});
    assert.equal(run.code, 2);
    assert.match(run.stderr, /expected offset:earliest or an ISO 8601 time/);
    const missing = await runCli(['replay'], {});
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option '--from <point>' not specified/);
    const badSetting = await runCli(['status'], { KAFKA_BROKERS: 'no-port' });
    assert.equal(badSetting.code, 2);
    assert.match(badSetting.stderr, /KAFKA_BROKERS\.0: expected host:port/);
  });
});
