// Acknowledged is not durable: Cassandra killed with SIGKILL under a running consumer, on a Cassandra node of
// the test's own (the shared stack's stays up). With Cassandra's default commitlog_sync (periodic), writes it
// acknowledged just before it died can be gone after its restart; the consumer must not have committed them.
// The node compresses its commit log: periodic mode then marks the log only at each 10 s sync, so a kill
// loses up to 10 s of acknowledged writes (what a power cut does to any node), not the up to 100 ms an
// uncompressed log loses to a process kill. The loss is then certain enough to test, and the widest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startRandomUserSource } from '@userstream/randomuser-source';
import { startTemporaryCassandra, type TemporaryCassandra } from '../stack/temporary-cassandra.ts';
import {
  allRows,
  caughtUp,
  freshNames,
  killLeftovers,
  opsPort,
  produceUsers,
  readTopic,
  stack,
  startService,
  topicSize,
  waitFor,
  type ServiceProcess,
} from './support.ts';
import { sampleValue, scrape } from '../../dev/index.ts';

type Names = ReturnType<typeof freshNames>;

describe('Cassandra killed (SIGKILL) under a running consumer', () => {
  let node: TemporaryCassandra;
  let source: Awaited<ReturnType<typeof startRandomUserSource>>;
  before(async () => {
    node = await startTemporaryCassandra({ CASSANDRA_COMMITLOG_COMPRESSION: 'LZ4Compressor' });
    source = await startRandomUserSource({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    try {
      await killLeftovers();
      await source?.close();
    } finally {
      await node?.remove();
    }
  });

  /** A consumer writing to the test's own node, retrying quickly while it is down. */
  const startConsumer = (names: Names, delayMs: number) =>
    startService('consumer', {
      ...names,
      CASSANDRA_CONTACT_POINTS: node.contactPoint,
      CASSANDRA_DURABILITY_DELAY_MS: String(delayMs),
      CONSUMER_RETRY_MAX_MS: '1000',
    });

  const metric = async (port: number, name: string) => sampleValue(await scrape(port), name);

  /** Waits until the consumer has written at least `rows` rows (its own counter). */
  const writtenAtLeast = (port: number, rows: number) =>
    waitFor(
      `${rows} rows written`,
      async () =>
        (await metric(port, 'userstream_consumer_records_written_total')) >= rows ? true : undefined,
      120_000,
      20,
    );

  /**
   * Waits until the consumer has written `rows` rows and then until its next commit, and kills the node at
   * once: the rows of that commit were acknowledged moments ago, likely after Cassandra's last commit-log
   * sync marker.
   */
  async function killRightAfterACommit(port: number, rows: number) {
    await writtenAtLeast(port, rows);
    const committed = () => metric(port, 'userstream_consumer_committed_offset');
    const before = await committed();
    await waitFor('a commit', async () => ((await committed()) > before ? true : undefined), 60_000, 1);
    await node.kill();
  }

  /** Kills the node, waits `downMs`, and starts it again on the same data. */
  async function crashAndRestart(downMs = 1_000) {
    await node.kill();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await node.start();
  }

  /** Waits until the group has committed the whole topic; a timeout shows the consumer's last lines. */
  const committedAll = (names: Names, consumer?: ServiceProcess) =>
    waitFor(
      () =>
        `the group to commit the whole topic\n--- consumer ---\n${consumer?.output().slice(-6_000) ?? ''}`,
      async () => ((await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined),
      240_000,
      500,
    );

  /** Ids in the topic that have no row (each user's id is its Kafka key and the table's primary key). */
  async function missingRows(names: Names): Promise<string[]> {
    const size = await topicSize(names.KAFKA_TOPIC);
    const keys = new Set((await readTopic(names.KAFKA_TOPIC, size)).map((m) => m.key!.toString()));
    // A client of its own: one connected before a kill may still be waiting to reconnect.
    const db = new cassandra.Client({
      contactPoints: [node.contactPoint],
      localDataCenter: stack.CASSANDRA_LOCAL_DC,
    });
    await db.connect();
    const rows = await allRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE).finally(() =>
      db.shutdown(),
    );
    const ids = new Set(rows.map((r) => String(r.get('id'))));
    assert.equal(rows.length, ids.size);
    for (const id of ids) assert.ok(keys.has(id), `row ${id} is in no record of the topic`);
    return [...keys].filter((key) => !ids.has(key));
  }

  test('with the delay off (0), a kill can lose rows whose offsets are committed: the loss is real', async () => {
    const lost: number[] = [];
    // The loss depends on timing (what Cassandra had not synced when it died): a few tries, each on a fresh
    // topic and table, stop at the first that loses rows.
    for (let attempt = 0; attempt < 4 && !lost.some((n) => n > 0); attempt++) {
      const names = freshNames('it_durable_off');
      await produceUsers(names, source.url, names.KAFKA_TOPIC, 30_000);
      const consumer = startConsumer(names, 0);
      const port = await opsPort(consumer);
      await killRightAfterACommit(port, 4_000 + attempt * 4_000);
      await node.start();
      await committedAll(names);
      lost.push((await missingRows(names)).length);
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
    }
    assert.ok(
      lost.some((n) => n > 0),
      `no try lost a committed row (${lost.join(', ')}): the test cannot tell the delay's effect`,
    );
  });

  test('with the delay on, five kills at different moments of a drain (one after a freeze, one idle) lose nothing', async () => {
    const names = freshNames('it_durable_on');
    let consumer: ServiceProcess | undefined;
    let port = 0;
    let produced = 0;
    const moments = [0.05, 0.3, 0.6, 0.9];
    for (const [round, moment] of moments.entries()) {
      await produceUsers(names, source.url, `${names.KAFKA_TOPIC}-${round}`, 10_000);
      if (!consumer) {
        consumer = startConsumer(names, 15_000);
        port = await opsPort(consumer);
      }
      await writtenAtLeast(port, produced + Math.round(moment * 10_000));
      produced += 10_000;
      if (round === 2) {
        // A node that dies silently: frozen for longer than the delay (sockets open, no answer), then killed.
        // Nothing acknowledged in its last 10 s may be committed meanwhile.
        node.freeze();
        await new Promise((resolve) => setTimeout(resolve, 20_000));
      }
      await crashAndRestart();
      await committedAll(names, consumer);
      assert.deepEqual(await missingRows(names), [], `round ${round + 1}: every record is a row`);
    }
    // The last: every row written, nothing new to fetch, offsets not yet committed. Only the driver's "host
    // down" tells the consumer to write them again.
    await produceUsers(names, source.url, `${names.KAFKA_TOPIC}-idle`, 5_000);
    const size = await topicSize(names.KAFKA_TOPIC);
    await waitFor(
      'every row written, some not committed yet',
      async () => {
        const samples = await scrape(port);
        const committed = sampleValue(samples, 'userstream_consumer_committed_offset');
        const waiting = sampleValue(samples, 'userstream_consumer_uncommitted_records');
        return committed + waiting === size && waiting > 0 ? true : undefined;
      },
      120_000,
      20,
    );
    await crashAndRestart();
    await committedAll(names, consumer);
    assert.deepEqual(await missingRows(names), [], 'after the kill while idle: every record is a row');

    assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'nothing dead-lettered');
    assert.ok((await metric(port, 'userstream_consumer_rewinds_total')) >= 5, 'a rewind after each kill');
    const rewritten = await metric(port, 'userstream_consumer_records_rewritten_total');
    assert.ok(rewritten > 0, `re-written rows are counted (${rewritten})`);
    assert.equal(await consumer!.stop(), 0, consumer!.output().slice(-3_000));
  });

  test('a consumer SIGTERM followed within 2 s by a Cassandra kill loses nothing after both restart', async () => {
    const names = freshNames('it_durable_stop');
    await produceUsers(names, source.url, names.KAFKA_TOPIC, 30_000);
    const first = startConsumer(names, 15_000);
    await writtenAtLeast(await opsPort(first), 12_000);
    const stopped = first.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await crashAndRestart();
    assert.equal(await stopped, 0, first.output().slice(-3_000));
    const second = startConsumer(names, 15_000);
    await committedAll(names);
    assert.deepEqual(await missingRows(names), [], 'every record is a row');
    assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'nothing dead-lettered');
    assert.equal(await second.stop(), 0, second.output().slice(-3_000));
  });
});
