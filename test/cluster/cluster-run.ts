// The fault tests' harness: a steady flow (the real producer on a 1-second cron against the offline source)
// into 2 or 3 real consumer processes on the local stack's cluster mode (`npm run stack:up -- --cluster`),
// a fault in the middle, and then the checks every fault must pass: every record produced is exactly one
// row, nothing dead-lettered, and no committed offset ever ahead of the rows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Admin, Consumer } from 'kafkajs';
import type cassandra from 'cassandra-driver';
import { createCassandraClient } from '@userstream/shared';
import {
  caughtUp,
  freshNames,
  histogramBuckets,
  histogramQuantile,
  kafkaClient,
  opsPort,
  REPO_ROOT,
  sampleValue,
  scrape,
  stack,
  startService,
  topicSize,
  waitFor,
  type ServiceProcess,
} from '../integration/support.ts';

/** Records per producer run; the producer runs once a second (FAULT_RATE overrides, e.g. on a slow machine). */
const RATE = Number(process.env.FAULT_RATE ?? 1_000);
const PARTITIONS = 6;
const SAMPLE_MS = 250;

/** Sleeps `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `scripts/stack.sh args` in the test's environment (the cluster's STACK_HOME and ports); its stdout. */
export function stackCommand(...args: string[]): string {
  const result = spawnSync('bash', ['scripts/stack.sh', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(result.status, 0, `stack.sh ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** SIGKILLs node `n` of `server` (kafka or cassandra) by the pid the stack script recorded. */
export function killNode(server: 'kafka' | 'cassandra', n: number): void {
  const pid = Number(stackCommand('pid', server, String(n)).trim());
  assert.ok(pid > 0);
  process.kill(pid, 'SIGKILL');
}

/** One consumer process and the last of its metrics that was read (a killed one keeps its last values). */
interface Member {
  service: ServiceProcess;
  port: number;
  last: Map<string, number>;
}

/** What a fault did to the flow. */
export interface Figures {
  produced: number;
  rows: number;
  /** The longest stretch, from the fault to the end, in which no consumer wrote a row (seconds). */
  pauseS: number;
  /** p99 of produce -> row written over the fault and the recovery (seconds; the consumers still alive). */
  p99S: number;
  rewritten: number;
  /** Committed offsets checked against the rows while the flow ran. */
  commitChecks: number;
}

/** What a fault step can use. */
export interface FaultContext {
  members: Member[];
  names: ReturnType<typeof freshNames>;
  /** Waits until the consumers have written `count` more rows than now. */
  flowing: (count?: number, timeoutMs?: number) => Promise<void>;
  /** Polls the consumers' /readyz until one answers 503 with a check naming `pattern`; that answer. */
  notReadyBecause: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  /** The highest userstream_consumer_paused seen on any consumer since the fault started. */
  pausedSeen: () => number;
}

function written(members: Member[]): number {
  return members.reduce(
    (sum, m) => sum + sampleValue(m.last, 'userstream_consumer_records_written_total'),
    0,
  );
}

/**
 * Follows the topic from the start in a group of its own: partition -> offset -> id, so that a committed
 * offset can be checked against the row of the record just below it.
 */
async function followTopic(topic: string, group: string) {
  const byPartition = new Map<number, Map<number, string>>();
  const consumer: Consumer = kafkaClient().consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      let offsets = byPartition.get(batch.partition);
      if (!offsets) byPartition.set(batch.partition, (offsets = new Map<number, string>()));
      for (const message of batch.messages) offsets.set(Number(message.offset), message.key!.toString());
      await Promise.resolve();
    },
  });
  return { byPartition, stop: () => consumer.disconnect() };
}

/** Every id in `keyspace.users`. */
async function rowIds(db: cassandra.Client, keyspace: string): Promise<string[]> {
  const ids: string[] = [];
  await new Promise<void>((resolve, reject) =>
    db.eachRow(
      `SELECT id FROM ${keyspace}.users`,
      [],
      { prepare: true, autoPage: true, fetchSize: 5_000, readTimeout: 60_000 },
      (_n, row) => ids.push(String(row['id'])),
      (error) => (error ? reject(error) : resolve()),
    ),
  );
  return ids;
}

/**
 * Runs the flow with `consumers` consumer processes, applies `fault` once it flows, lets it drain, checks
 * it and returns its figures. `log` receives one line per step (test diagnostics).
 */
export async function runFault(
  name: string,
  { consumers, sourceUrl }: { consumers: number; sourceUrl: string },
  fault: (ctx: FaultContext) => Promise<void>,
  log: (line: string) => void,
): Promise<Figures> {
  const names = freshNames(`cl_${name}`);
  const env = {
    ...names,
    KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
    // RF 3 at LOCAL_QUORUM: a row is on 2 replicas when acknowledged (docs/scaling.md).
    CASSANDRA_DURABILITY_DELAY_MS: '0',
  };
  const db = createCassandraClient({
    contactPoints: stack.CASSANDRA_CONTACT_POINTS.split(','),
    localDataCenter: stack.CASSANDRA_LOCAL_DC,
  });
  await db.connect();
  const members: Member[] = [];
  let producer: ServiceProcess | undefined;
  let follower: Awaited<ReturnType<typeof followTopic>> | undefined;
  let sampling = true;
  let sampler: Promise<void> | undefined;
  let admin: Admin | undefined;
  try {
    for (let i = 0; i < consumers; i++) {
      const service = startService('consumer', env);
      members.push({ service, port: await opsPort(service), last: new Map() });
    }
    producer = startService('producer', {
      ...env,
      RANDOMUSER_URL: sourceUrl,
      PRODUCER_SCHEDULE: '* * * * * *',
      PRODUCER_BATCH_SIZE: String(RATE),
      PRODUCER_PAGE_SIZE: String(Math.min(RATE, 5_000)),
    });
    follower = await followTopic(names.KAFKA_TOPIC, `${names.CONSUMER_GROUP_ID}_follower`);

    // Samples: rows written (for the pause), and committed offsets checked against the rows.
    const progress: [number, number][] = [];
    let commitChecks = 0;
    let pausedMax = 0;
    let faultStarted = Infinity;
    const opened = kafkaClient().admin();
    admin = opened;
    await opened.connect();

    const checkCommits = async () => {
      const [committed] = await opened.fetchOffsets({
        groupId: names.CONSUMER_GROUP_ID,
        topics: [names.KAFKA_TOPIC],
      });
      for (const p of committed?.partitions ?? []) {
        const offset = Number(p.offset);
        const id = follower!.byPartition.get(p.partition)?.get(offset - 1);
        if (offset <= 0 || id === undefined) continue;
        // Committed up to `offset`: the record below it must have its row already (LOCAL_QUORUM read).
        const found = await db
          .execute(`SELECT id FROM ${names.CASSANDRA_KEYSPACE}.users WHERE id = ?`, [id], { prepare: true })
          .catch(() => undefined); // no quorum to read from (two nodes down): no check this time
        if (!found) continue;
        assert.equal(
          found.rowLength,
          1,
          `partition ${p.partition} committed ${offset}, but ${id} has no row`,
        );
        commitChecks++;
      }
    };
    sampler = (async () => {
      let tick = 0;
      while (sampling) {
        for (const m of members) {
          if (m.service.child.exitCode !== null || m.service.child.signalCode !== null) continue;
          m.last = await scrape(m.port).catch(() => m.last);
          if (performance.now() >= faultStarted)
            pausedMax = Math.max(pausedMax, sampleValue(m.last, 'userstream_consumer_paused'));
        }
        progress.push([performance.now(), written(members)]);
        if (tick++ % 4 === 0)
          await checkCommits().catch((error: unknown) => {
            if (error instanceof assert.AssertionError) throw error;
          });
        await sleep(SAMPLE_MS);
      }
    })();
    sampler.catch(() => undefined); // awaited below; a failed check must not be an unhandled rejection

    const flowing: FaultContext['flowing'] = (count = RATE * 2, timeoutMs = 180_000) => {
      const target = written(members) + count;
      return waitFor(
        `${count} more rows written`,
        () => Promise.resolve(written(members) >= target || undefined),
        timeoutMs,
      ).then(() => undefined);
    };
    await flowing(RATE * 3);
    log(`${name}: flowing, ${written(members)} rows written`);

    const before = members.map((m) => ({
      buckets: histogramBuckets(m.last, 'userstream_consumer_produce_to_write_seconds'),
      rewritten: sampleValue(m.last, 'userstream_consumer_records_rewritten_total'),
    }));
    faultStarted = performance.now();
    await fault({
      members,
      names,
      flowing,
      pausedSeen: () => pausedMax,
      notReadyBecause: async (pattern, timeoutMs = 90_000) => {
        let seen = '';
        try {
          return await waitFor(
            `a consumer's /readyz to name ${String(pattern)}`,
            async () => {
              for (const m of members) {
                const answer = await fetch(`http://127.0.0.1:${m.port}/readyz`).catch(() => undefined);
                const body = answer ? await answer.text() : '';
                seen = `${answer?.status ?? 'no answer'} ${body}`;
                if (answer?.status === 503 && pattern.test(body)) return body;
              }
              return undefined;
            },
            timeoutMs,
          );
        } catch (error) {
          const output = members[0]!.service.output().slice(-2_000);
          throw new Error(`${String(error)}; last /readyz: ${seen}\n--- consumer output ---\n${output}`);
        }
      },
    });
    log(`${name}: fault over after ${((performance.now() - faultStarted) / 1000).toFixed(1)} s`);
    await flowing(RATE * 3);
    assert.equal(await producer.stop(), 0, producer.output().slice(-3_000));
    await waitFor(
      'the group to commit the end of the topic',
      async () => ((await caughtUp(names.CONSUMER_GROUP_ID, names.KAFKA_TOPIC)) ? true : undefined),
      180_000,
    );
    await sleep(2 * SAMPLE_MS * 4); // a last scrape and commit check after the end was committed
    sampling = false;
    await sampler;

    // The pause: the longest stretch without a new row, from the fault until the end was reached.
    let pauseMs = 0;
    let lastChange = faultStarted;
    let lastValue = progress.find(([t]) => t >= faultStarted)?.[1] ?? 0;
    for (const [t, value] of progress) {
      if (t < faultStarted) continue;
      if (value > lastValue) {
        pauseMs = Math.max(pauseMs, t - lastChange);
        lastChange = t;
        lastValue = value;
      }
    }
    const alive = members
      .map((m, i) => ({ m, i }))
      .filter(({ m }) => m.service.child.exitCode === null && m.service.child.signalCode === null);
    const after = new Map<number, number>();
    const start = new Map<number, number>();
    for (const { m, i } of alive) {
      for (const [le, v] of histogramBuckets(m.last, 'userstream_consumer_produce_to_write_seconds'))
        after.set(le, (after.get(le) ?? 0) + v);
      for (const [le, v] of before[i]!.buckets) start.set(le, (start.get(le) ?? 0) + v);
    }
    const rewritten = members.reduce(
      (sum, m, i) =>
        sum + sampleValue(m.last, 'userstream_consumer_records_rewritten_total') - before[i]!.rewritten,
      0,
    );

    // Exactly one row per record produced, and no record produced twice (no duplicated batch).
    const ends = await topicSize(names.KAFKA_TOPIC);
    await waitFor('the follower to read the whole topic', () => {
      let seen = 0;
      for (const offsets of follower!.byPartition.values()) seen += offsets.size;
      return Promise.resolve(seen >= ends || undefined);
    });
    const produced: string[] = [];
    for (const offsets of follower.byPartition.values()) produced.push(...offsets.values());
    const distinct = new Set(produced);
    assert.equal(
      distinct.size,
      produced.length,
      `${produced.length - distinct.size} records were produced twice`,
    );
    const rows = await rowIds(db, names.CASSANDRA_KEYSPACE);
    assert.equal(new Set(rows).size, rows.length);
    const missing = produced.filter((id) => !new Set(rows).has(id));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} records have no row`);
    const extra = rows.filter((id) => !distinct.has(id));
    assert.deepEqual(extra.slice(0, 10), [], `${extra.length} rows were never produced`);
    assert.equal(await topicSize(names.KAFKA_DLQ_TOPIC), 0, 'nothing is dead-lettered');
    assert.ok(commitChecks > 0, 'committed offsets were checked against the rows');

    for (const m of alive) assert.equal(await m.m.service.stop(), 0, m.m.service.output().slice(-3_000));
    return {
      produced: produced.length,
      rows: rows.length,
      pauseS: pauseMs / 1000,
      p99S: histogramQuantile(0.99, start, after),
      rewritten,
      commitChecks,
    };
  } finally {
    sampling = false;
    await sampler?.catch(() => undefined);
    await producer?.stop('SIGKILL');
    for (const m of members) await m.service.stop('SIGKILL');
    await follower?.stop().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await db.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`).catch(() => undefined);
    await db.shutdown();
  }
}
