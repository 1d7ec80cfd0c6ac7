// A Kafka broker restarted under a running consumer, on a broker of the test's own (scripts/stack.sh in a
// temporary STACK_HOME), so that the shared stack the other tests use stays up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type cassandra from 'cassandra-driver';
import { startRandomUserSource } from '@userstream/randomuser-source';
import { countRows } from '@userstream/shared';
import { startTemporaryKafka, type TemporaryKafka } from '../stack/stack-runner.ts';
import {
  cassandraClient,
  caughtUp,
  freshNames,
  killLeftovers,
  opsPort,
  produceUsers,
  startService,
  topicSize,
  waitFor,
} from './support.ts';

describe('Kafka broker restart', () => {
  let kafka: TemporaryKafka | undefined;
  let source: Awaited<ReturnType<typeof startRandomUserSource>>;
  let db: cassandra.Client;
  before(async () => {
    kafka = await startTemporaryKafka();
    source = await startRandomUserSource({ port: 0, host: '127.0.0.1' });
    db = await cassandraClient();
  });
  after(async () => {
    try {
      await killLeftovers();
      await db?.shutdown();
      await source?.close();
    } finally {
      // Whatever failed above, this test's Kafka must not outlive it.
      await kafka?.remove();
    }
  });

  test('the consumer rides out a broker restart: it stays up, resumes by itself, and every row arrives', async (t) => {
    const broker = kafka!;
    const names = { ...freshNames('it_broker_restart'), KAFKA_BROKERS: broker.brokers };
    const produce = (seed: string, count: number) => produceUsers(names, source.url, seed, count);
    const rows = () => countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE);
    try {
      await produce('it_restart_a', 2000);
      const consumer = startService('consumer', names);
      const port = await opsPort(consumer);
      await waitFor('the first 2,000 rows', async () => ((await rows()) === 2000 ? true : undefined));

      await broker.stop();
      // Down long enough for the consumer to notice: its fetches and heartbeats fail meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await broker.start();
      const back = performance.now();
      await produce('it_restart_b', 2000);

      // kafkajs may rejoin as a new member, which then waits for the old one's session (30 s) to expire.
      await waitFor(
        'all 4,000 rows after the restart',
        async () => ((await rows()) === 4000 ? true : undefined),
        120_000,
      );
      t.diagnostic(`all rows ${((performance.now() - back) / 1000).toFixed(1)} s after the broker was back`);
      await waitFor('the group to commit the end of the topic', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC, broker.brokers)) ? true : undefined,
      );
      assert.equal(consumer.child.exitCode, null, `the consumer exited:\n${consumer.output().slice(-3_000)}`);
      const ready = await waitFor('the consumer to be ready again', async () => {
        const answer = await fetch(`http://127.0.0.1:${port}/readyz`);
        return answer.status === 200 ? answer : undefined;
      });
      assert.equal(ready.status, 200);
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      assert.equal(
        await topicSize(names.KAFKA_DLQ_TOPIC, broker.brokers),
        0,
        'a broker restart dead-letters nothing',
      );
      assert.equal(await rows(), 4000);
    } finally {
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });
});
