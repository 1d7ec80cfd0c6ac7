import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createMetricsRegistry } from '@userstream/shared';
import { createConsumerMetrics } from '../metrics.ts';
import { createOffsetCommitter } from './offset-committer.ts';

function committerAt(delayMs: number, probe?: () => Promise<unknown>) {
  const clock = { now: 0 };
  const seeks: [number, string][] = [];
  const registry = createMetricsRegistry('test');
  const metrics = createConsumerMetrics(registry);
  const committer = createOffsetCommitter({
    topic: 't',
    delayMs,
    seek: (partition, offset) => seeks.push([partition, offset]),
    metrics,
    logger: createLogger('test', 'silent'),
    now: () => clock.now,
    ...(probe ? { probe } : {}),
  });
  const commits: { partition: number; offset: string }[][] = [];
  const commit = (offsets: { partition: number; offset: string }[]) => {
    commits.push(offsets);
    return Promise.resolve();
  };
  return { committer, clock, seeks, commits, commit, registry };
}

test('commits a partition only up to rows written the delay before Cassandra was last seen alive', async () => {
  const h = committerAt(15_000);
  h.committer.assign([0]);
  h.committer.batchStarted(0, 0);
  h.committer.resolved(0, 99, h.committer.generation);
  h.clock.now = 10_000;
  h.committer.resolved(0, 199, h.committer.generation);
  h.committer.batchEnded(0);
  await h.committer.commitDue(h.commit);
  assert.deepEqual(h.commits, []);
  // Old enough, but nothing shows the node alive since 10 s: it may have died silently (a power cut).
  h.clock.now = 60_000;
  await h.committer.commitDue(h.commit);
  assert.deepEqual(h.commits, []);
  // A write acknowledged at 60 s shows it alive: both are durable now.
  h.committer.batchStarted(0, 200);
  h.committer.resolved(0, 299, h.committer.generation);
  h.committer.batchEnded(0);
  await h.committer.commitDue(h.commit);
  assert.deepEqual(h.commits, [[{ partition: 0, offset: '200' }]]);
  const text = await h.registry.metrics();
  assert.match(text, /userstream_consumer_committed_offset\{topic="t",partition="0",service="test"\} 200/);
  assert.match(text, /userstream_consumer_uncommitted_records\{topic="t",partition="0",service="test"\} 100/);
});

test('while idle, the timer probes Cassandra and commits once it answers, not while it does not', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let answering = false;
  const h = committerAt(15_000, () => (answering ? Promise.resolve() : Promise.reject(new Error('down'))));
  h.committer.assign([0]);
  h.committer.batchStarted(0, 0);
  h.committer.resolved(0, 99, h.committer.generation);
  h.committer.batchEnded(0);
  h.committer.startTimer(h.commit, 1_000);
  const tick = async () => {
    h.clock.now += 1_000;
    t.mock.timers.tick(1_000);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  for (let i = 0; i < 20; i++) await tick();
  assert.deepEqual(h.commits, [], 'no answer, no commit');
  answering = true;
  await tick();
  assert.deepEqual(h.commits, [[{ partition: 0, offset: '100' }]]);
  h.committer.stopTimer();
});

test('a rewind seeks idle partitions at once and waits for a batch in flight to end', () => {
  const h = committerAt(0);
  h.committer.assign([0, 1]);
  h.committer.batchStarted(0, 10);
  h.committer.batchStarted(1, 50);
  h.committer.batchEnded(1);
  h.committer.rewind('test');
  assert.deepEqual(h.seeks, [[1, '50']]);
  h.committer.batchEnded(0);
  assert.deepEqual(h.seeks, [
    [1, '50'],
    [0, '10'],
  ]);
});

test('rows read again after a rewind are counted as re-written', async () => {
  const h = committerAt(60_000);
  h.committer.assign([0]);
  h.committer.batchStarted(0, 0);
  h.committer.resolved(0, 499, h.committer.generation);
  h.committer.batchEnded(0);
  h.committer.rewind('test');
  h.committer.batchStarted(0, 0);
  h.committer.resolved(0, 299, h.committer.generation);
  h.committer.resolved(0, 599, h.committer.generation);
  h.committer.batchEnded(0);
  assert.match(
    await h.registry.metrics(),
    /userstream_consumer_records_rewritten_total\{service="test"\} 500/,
  );
});

test('a commit sent before a rewind does not count for the bookkeeping after it', async () => {
  const h = committerAt(0);
  h.committer.assign([0]);
  h.committer.batchStarted(0, 0);
  h.committer.resolved(0, 9, h.committer.generation);
  let release: () => void = () => undefined;
  const slow = h.committer.commitDue(() => new Promise<void>((resolve) => (release = resolve)));
  await new Promise((resolve) => setImmediate(resolve));
  h.committer.batchEnded(0);
  h.committer.rewind('test');
  release();
  await slow;
  // It rewound to where the partition began, not to the commit that was in flight.
  assert.deepEqual(h.seeks, [[0, '0']]);
});

test('the retries of one outage rewind once; a write after it makes the next loss rewind again', async () => {
  const h = committerAt(60_000);
  h.committer.assign([0]);
  h.committer.batchStarted(0, 0);
  h.committer.resolved(0, 9, h.committer.generation);
  h.committer.batchEnded(0);
  h.committer.rewind('host down');
  h.committer.rewind('writes failed');
  h.committer.rewind('writes failed');
  assert.match(await h.registry.metrics(), /userstream_consumer_rewinds_total\{service="test"\} 1/);
  h.committer.batchStarted(0, 0);
  h.committer.resolved(0, 9, h.committer.generation);
  h.committer.batchEnded(0);
  h.committer.rewind('host down');
  assert.match(await h.registry.metrics(), /userstream_consumer_rewinds_total\{service="test"\} 2/);
  assert.equal(h.seeks.length, 2);
});
