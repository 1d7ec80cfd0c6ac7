import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin } from 'kafkajs';
import { createMetricsRegistry } from '@userstream/shared';
import { createConsumerMetrics } from '../metrics.ts';
import { createLagTracker } from './lag-tracker.ts';

function trackerWith(committed: { partition: number; offset: string }[], fromBeginning = true) {
  const metrics = createConsumerMetrics(createMetricsRegistry('test'));
  const admin = {
    fetchTopicOffsets: () =>
      Promise.resolve([
        { partition: 0, low: '100', high: '800' },
        { partition: 1, low: '0', high: '700' },
      ]),
    fetchOffsets: () => Promise.resolve([{ topic: 't', partitions: committed }]),
  } as unknown as Admin;
  const tracker = createLagTracker({ admin, topic: 't', groupId: 'g', fromBeginning, lag: metrics.lag });
  const lag = async () =>
    Object.fromEntries((await metrics.lag.get()).values.map((v) => [String(v.labels.partition), v.value]));
  return { tracker, lag };
}

test('a join seeds the lag from the committed offsets, or from where the group starts', async () => {
  const { tracker, lag } = trackerWith([{ partition: 0, offset: '500' }]);
  tracker.assign([0, 1]);
  await tracker.read(false, () => true);
  assert.deepEqual(await lag(), { '0': 300, '1': 700 });
  const fromEnd = trackerWith([], false);
  fromEnd.tracker.assign([0]);
  await fromEnd.tracker.read(false, () => true);
  assert.deepEqual(await fromEnd.lag(), { '0': 0 });
});

test("a batch's own figures win over a join's seed; a paused reading updates every partition", async () => {
  const { tracker, lag } = trackerWith([{ partition: 0, offset: '500' }]);
  tracker.assign([0, 1]);
  tracker.batchStarted(1, 650, 49);
  tracker.batchResolved(1, 700, 679);
  await tracker.read(false, () => true);
  assert.deepEqual(await lag(), { '0': 300, '1': 20 });
  // No commit yet on partition 1: while paused, its lag counts from where its last batch started.
  await tracker.read(true, () => true);
  assert.deepEqual(await lag(), { '0': 300, '1': 50 });
});

test('a reading no longer wanted, or for partitions reassigned meanwhile, sets nothing', async () => {
  const { tracker, lag } = trackerWith([]);
  tracker.assign([0]);
  await tracker.read(false, () => false);
  assert.deepEqual(await lag(), {});
  const reading = tracker.read(false, () => true);
  tracker.assign([]);
  await reading;
  assert.deepEqual(await lag(), {});
});
