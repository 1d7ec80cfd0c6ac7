import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type cassandra from 'cassandra-driver';
import { startRandomUserSource } from '@userstream/randomuser-source';
import { applySchema, countRows } from '@userstream/shared';
import {
  allRows,
  cassandraClient,
  caughtUp,
  committedOffsets,
  freshNames,
  opsPort,
  produceUsers,
  stack,
  startService,
  topicSize,
  waitFor,
  killLeftovers,
} from './support.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { sampleValue, scrape } from './support.ts';

const USERS = 20_000;

describe('consumer under failure', () => {
  let source: Awaited<ReturnType<typeof startRandomUserSource>>;
  let db: cassandra.Client;
  before(async () => {
    source = await startRandomUserSource({ port: 0, host: '127.0.0.1' });
    db = await cassandraClient();
  });
  after(async () => {
    await killLeftovers();
    await db?.shutdown();
    await source?.close();
  });

  /** Adds `count` users (the seed's) to the topic through the real producer. */
  const produce = (names: ReturnType<typeof freshNames>, seed: string | undefined, count: number) =>
    produceUsers(names, source.url, seed, count);

  /** Fills a fresh topic with `count` users through the real producer. */
  async function preload(prefix: string, count = USERS) {
    const names = freshNames(prefix);
    await produce(names, prefix, count);
    assert.equal(await topicSize(names.KAFKA_TOPIC), count);
    return names;
  }

  /** The consumer's lag summed over its partitions, from its /metrics. */
  const lagSum = async (port: number) => sampleValue(await scrape(port), 'userstream_consumer_lag');

  /** A consumer that reaches Cassandra only through `proxy`, retrying quickly while the proxy is cut. */
  const consumerBehind = (proxy: TcpProxy, env: Record<string, string>) =>
    startService('consumer', {
      ...env,
      CASSANDRA_CONTACT_POINTS: `127.0.0.1:${proxy.port}`,
      CONSUMER_RETRY_MAX_MS: '500',
    });

  const REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

  /** A topic of `count` users, and their keyspace without its table: Cassandra refuses every write. */
  async function preloadIntoOutage(prefix: string, count: number) {
    const names = await preload(prefix, count);
    await db.execute(`CREATE KEYSPACE ${names.CASSANDRA_KEYSPACE} WITH replication = ${REPLICATION}`);
    return names;
  }

  /** Ends the outage by applying the real table, and waits until `count` rows are in it. */
  async function endOutage(names: ReturnType<typeof freshNames>, count: number, timeoutMs: number) {
    await applySchema(db, {
      keyspace: names.CASSANDRA_KEYSPACE,
      table: names.CASSANDRA_TABLE,
      replication: REPLICATION,
    });
    await waitFor(
      `${count} rows after the outage`,
      async () =>
        (await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE)) === count ? true : undefined,
      timeoutMs,
    );
  }

  test('a consumer killed (SIGKILL) mid-stream and restarted: no row missing, none duplicated', async () => {
    const names = await preload('it_kill');
    try {
      // A short session lets the group notice the killed member quickly (the broker's minimum is 6 s).
      const first = startService('consumer', { ...names, CONSUMER_SESSION_TIMEOUT_MS: '6000' });
      const port = await opsPort(first);
      // Killed as soon as its first chunk is written: from its own counter, which is cheap to poll.
      await waitFor(
        'the first rows before the kill',
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          return /userstream_consumer_records_written_total\{service="consumer"\} [1-9]/.test(text)
            ? true
            : undefined;
        },
        120_000,
      );
      first.child.kill('SIGKILL');
      assert.equal(await first.exited, 'SIGKILL');
      const atKill = [
        ...(await committedOffsets(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)).values(),
      ].reduce((sum, offset) => sum + Math.max(0, offset), 0);
      assert.ok(atKill < USERS, `killed mid-stream (${atKill} of ${USERS} offsets committed)`);

      const second = startService('consumer', names);
      const secondPort = await opsPort(second);
      await second.waitForOutput(/"msg":"consuming"/);
      await waitFor(
        'the restarted consumer to catch up',
        async () => ((await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined),
        180_000,
      );
      // It resumed from the committed offsets: it wrote exactly what they did not cover, no more (a restart
      // from the beginning) and no less (a skip).
      const secondWrote = /userstream_consumer_records_written_total\{service="consumer"\} (\d+)/.exec(
        await (await fetch(`http://127.0.0.1:${secondPort}/metrics`)).text(),
      );
      assert.equal(Number(secondWrote?.[1]), USERS - atKill, `the restart wrote ${secondWrote?.[1]} rows`);
      assert.equal(await second.stop(), 0, second.output().slice(-3_000));

      const rows = await allRows(db, names.CASSANDRA_KEYSPACE);
      const ids = new Set(rows.map((row) => String(row.get('id'))));
      assert.equal(rows.length, USERS, 'every user has a row');
      assert.equal(ids.size, USERS, 'no user has two rows');
      // Each message offset of each partition is the lineage of exactly one row.
      const lineage = new Set(
        rows.map((row) => `${String(row.get('kafka_partition'))}:${String(row.get('kafka_offset'))}`),
      );
      assert.equal(lineage.size, USERS);
      assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0);
    } finally {
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('two consumer processes in one group share the partitions: every row once, both did work', async () => {
    const names = freshNames('it_scale');
    try {
      // Both members join before any data, so the partitions are split between them from the first record.
      const a = startService('consumer', names);
      await a.waitForOutput(/"msg":"consuming"/);
      const b = startService('consumer', names);
      const [portA, portB] = [await opsPort(a), await opsPort(b)];
      const assigned = (output: string) =>
        [...output.matchAll(/"assignment":\{"[^"]+":\[([\d,]*)\]\}/g)].map((m) => m[1]).pop();
      await waitFor('the rebalance to give both members partitions', () =>
        Promise.resolve(assigned(a.output()) && assigned(b.output()) ? true : undefined),
      );
      await produce(names, 'scale', USERS);
      await waitFor(
        'the group to catch up',
        async () => ((await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined),
        180_000,
      );
      const written = async (port: number) => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return Number(
          /userstream_consumer_records_written_total\{service="consumer"\} (\d+)/.exec(text)?.[1] ?? 0,
        );
      };
      const [byA, byB] = [await written(portA), await written(portB)];
      assert.equal(await a.stop(), 0, a.output().slice(-3_000));
      assert.equal(await b.stop(), 0, b.output().slice(-3_000));
      assert.ok(byA > 0 && byB > 0, `both consumers wrote rows (${byA} and ${byB})`);
      assert.ok(byA + byB >= USERS, 'together they wrote every message');
      assert.equal(await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE), USERS);
    } finally {
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('SIGTERM during consumption commits only what was written and exits 0', async () => {
    const names = await preload('it_term');
    try {
      const consumer = startService('consumer', names);
      const port = await opsPort(consumer);
      // The written counter moves when a batch is complete, so this waits for at least one whole batch.
      // Written, and committed once durable (the delay is 1 s here): a stop now has something to keep.
      const metrics = await waitFor(
        'a batch written and its offset committed',
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          return /userstream_consumer_records_written_total\{service="consumer"\} [1-9]/.test(text) &&
            /userstream_consumer_committed_offset\{[^}]*\} [1-9]/.test(text)
            ? text
            : undefined;
        },
        120_000,
        20,
      );
      assert.match(metrics, /userstream_consumer_produce_to_write_seconds_count\{service="consumer"\} [1-9]/);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      const readiness = (await ready.json()) as { checks: Record<string, string> };
      assert.equal(ready.status, 200, JSON.stringify(readiness));
      assert.deepEqual(Object.keys(readiness.checks).sort(), ['cassandra', 'group', 'kafka', 'registry']);

      assert.equal(await consumer.stop('SIGTERM'), 0, consumer.output().slice(-3_000));
      assert.match(consumer.output(), /"msg":"shutdown complete"/);

      const committed = await committedOffsets(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC);
      const total = [...committed.values()].reduce((sum, offset) => sum + Math.max(0, offset), 0);
      assert.ok(total > 0, 'something was committed');
      assert.ok(total < USERS, `stopped mid-stream (${total} of ${USERS} committed), not after the end`);
      const written = new Map<number, Set<number>>();
      for (const row of await allRows(db, names.CASSANDRA_KEYSPACE)) {
        const partition = Number(row.get('kafka_partition'));
        if (!written.has(partition)) written.set(partition, new Set());
        written.get(partition)!.add(Number(row.get('kafka_offset')));
      }
      for (const [partition, offset] of committed) {
        for (let o = 0; o < offset; o++) {
          assert.ok(
            written.get(partition)?.has(o),
            `committed offset ${offset} of partition ${partition} covers unwritten ${o}`,
          );
        }
      }
    } finally {
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('while Cassandra refuses writes (table missing) the consumer pauses and retries, then resumes by itself', async () => {
    const names = await preloadIntoOutage('it_outage', 500);
    try {
      const consumer = startService('consumer', {
        ...names,
        CASSANDRA_APPLY_SCHEMA: 'false',
        CONSUMER_RETRY_MAX_MS: '500',
      });
      const port = await opsPort(consumer);
      await consumer.waitForOutput(/transient failure, retrying/);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /userstream_consumer_paused\{service="consumer"\} 1/);
      // The stuck batches' own messages are still behind: the lag must not read 0 during the outage.
      const lags = [...metrics.matchAll(/^userstream_consumer_lag\{[^}]*\} (\d+)$/gm)].map((m) =>
        Number(m[1]),
      );
      const behind = lags.reduce((sum, lag) => sum + lag, 0);
      assert.ok(behind > 0 && behind <= 500, `lag during the outage: ${lags.join(', ')}`);
      const during = await committedOffsets(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC);
      assert.ok(
        [...during.values()].every((offset) => offset <= 0),
        'no offset moved past an unwritten record',
      );

      await endOutage(names, 500, 120_000);
      await consumer.waitForOutput(/resuming fetches/);
      await waitFor('the consumer to commit', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'transient errors are never dead-lettered');
    } finally {
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });
  test('after joining, every assigned partition reports its lag, also one with nothing new to fetch', async () => {
    const names = await preload('it_lag_seed', 3000);
    const lagSeries = async (port: number) =>
      [
        ...(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).matchAll(
          /^userstream_consumer_lag\{[^}]*partition="(\d+)"[^}]*\} (\d+)$/gm,
        ),
      ].map((m) => `${m[1]}:${m[2]}`);
    try {
      // A first member writes everything and commits.
      const first = startService('consumer', names);
      await opsPort(first);
      await waitFor('the group to commit every partition', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      assert.equal(await first.stop(), 0, first.output().slice(-3_000));
      // A consumer joining a caught-up group fetches no batch; its lag must still read 0 per partition.
      const second = startService('consumer', names);
      const port = await opsPort(second);
      await second.waitForOutput(/"msg":"joined consumer group"/);
      const series = await waitFor(
        'a lag series for each of the 3 partitions',
        async () => {
          const found = await lagSeries(port);
          return found.length === 3 ? found : undefined;
        },
        30_000,
      );
      assert.deepEqual(series.sort(), ['0:0', '1:0', '2:0']);
      assert.equal(await second.stop(), 0, second.output().slice(-3_000));
    } finally {
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('a column dropped under a running consumer is retried like an outage, not dead-lettered; re-added, every row arrives', async () => {
    const names = freshNames('it_dropped_column');
    const table = `${names.CASSANDRA_KEYSPACE}.${names.CASSANDRA_TABLE}`;
    try {
      await applySchema(db, {
        keyspace: names.CASSANDRA_KEYSPACE,
        table: names.CASSANDRA_TABLE,
        replication: REPLICATION,
      });
      const consumer = startService('consumer', {
        ...names,
        CASSANDRA_APPLY_SCHEMA: 'false',
        CONSUMER_RETRY_MAX_MS: '500',
      });
      const port = await opsPort(consumer);
      await consumer.waitForOutput(/"msg":"consuming"/);
      // After the start-up check of the table: the statement the consumer prepared no longer fits it.
      await db.execute(`ALTER TABLE ${table} DROP nat`);
      await produce(names, undefined, 500);
      // Cassandra's own wording of the error, whatever it is, must be classed as about the statement.
      await consumer.waitForOutput(/transient failure, retrying/);
      await waitFor('the consumer to pause', async () =>
        /userstream_consumer_paused\{service="consumer"\} 1/.test(
          await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
        )
          ? true
          : undefined,
      );
      assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'nothing dead-lettered for a dropped column');

      await db.execute(`ALTER TABLE ${table} ADD nat text`);
      await waitFor(
        'the consumer to write every row once the column is back',
        async () => ((await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined),
        120_000,
      );
      assert.equal(await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE), 500);
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'transient errors are never dead-lettered');
    } finally {
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('a rebalance during an outage does not leave the topic paused: every row arrives once Cassandra is back', async () => {
    const names = await preloadIntoOutage('it_outage_rebalance', 3000);
    const consumers: ReturnType<typeof startService>[] = [];
    try {
      const settings = {
        ...names,
        CASSANDRA_APPLY_SCHEMA: 'false',
        CONSUMER_RETRY_MAX_MS: '500',
        CONSUMER_SESSION_TIMEOUT_MS: '6000',
      };
      const first = startService('consumer', settings);
      consumers.push(first);
      await first.waitForOutput(/pausing fetches/);
      // A second member joins while the first waits for Cassandra: the first's batch gives up on the
      // rebalance, and the first member must not stay paused with its new partitions.
      const second = startService('consumer', settings);
      consumers.push(second);
      await second.waitForOutput(/joined consumer group/);
      await waitFor('the first member to rejoin', () =>
        Promise.resolve(
          (first.output().match(/joined consumer group/g) ?? []).length >= 2 ? true : undefined,
        ),
      );

      await endOutage(names, 3000, 90_000);
      await waitFor('the group to commit every partition', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      for (const consumer of consumers)
        assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'transient errors are never dead-lettered');
    } finally {
      for (const consumer of consumers) await consumer.stop('SIGKILL');
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('Cassandra unreachable (connections cut): the consumer pauses, its lag keeps growing, and it resumes by itself once Cassandra is back', async () => {
    const names = await preload('it_cut', 1000);
    const proxy = await startTcpProxy(stack.CASSANDRA_CONTACT_POINTS.split(',')[0]!);
    try {
      const consumer = consumerBehind(proxy, names);
      const port = await opsPort(consumer);
      await waitFor('the group to commit the first 1,000', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );

      proxy.cut();
      await produce(names, 'it_cut_2', 1000);
      await consumer.waitForOutput(/pausing fetches/);
      // Added while paused: no batch will report these, yet the lag must count them.
      await produce(names, 'it_cut_3', 1000);
      const lag = await waitFor(
        'the lag to count all 2,000 records added during the outage',
        async () => {
          const sum = await lagSum(port);
          return sum === 2000 ? sum : undefined;
        },
        30_000,
      );
      assert.equal(lag, 2000);
      const during = await committedOffsets(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC);
      assert.equal(
        [...during.values()].reduce((sum, offset) => sum + offset, 0),
        1000,
        'nothing is committed while Cassandra is unreachable',
      );

      proxy.restore();
      await waitFor(
        'all 3,000 rows once Cassandra is reachable again',
        async () =>
          (await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE)) === 3000 ? true : undefined,
        60_000,
      );
      await waitFor('the group to commit every record', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      assert.equal(await lagSum(port), 0);
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      assert.match(consumer.output(), /resuming fetches/);
      assert.equal(
        await topicSize(names.KAFKA_DLQ_TOPIC),
        0,
        'an unreachable Cassandra is never dead-lettered',
      );
    } finally {
      await proxy.close();
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });

  test('a group that has committed nothing (CONSUMER_FROM_BEGINNING=false) counts its lag from where its batch started while Cassandra is unreachable', async () => {
    const names = freshNames('it_cut_new_group');
    const proxy = await startTcpProxy(stack.CASSANDRA_CONTACT_POINTS.split(',')[0]!);
    try {
      const consumer = consumerBehind(proxy, { ...names, CONSUMER_FROM_BEGINNING: 'false' });
      const port = await opsPort(consumer);
      await consumer.waitForOutput(/"msg":"joined consumer group"/);
      proxy.cut();
      await produce(names, 'it_cut_fresh_2', 1000);
      await consumer.waitForOutput(/pausing fetches/);
      await produce(names, 'it_cut_fresh_3', 1000);
      // Nothing committed: the lag must not read "from the end" (0), which is where a new group would start.
      await waitFor(
        'the lag to count all 2,000 records',
        async () => ((await lagSum(port)) === 2000 ? true : undefined),
        30_000,
      );
      proxy.restore();
      await waitFor('the group to commit every record', async () =>
        (await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined,
      );
      assert.equal(await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE), 2000);
      assert.equal(await consumer.stop(), 0, consumer.output().slice(-3_000));
      assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0);
    } finally {
      await proxy.close();
      await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    }
  });
});
