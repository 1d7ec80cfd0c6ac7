import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDurableOffsets } from './durable-offsets.ts';

test('an offset is due only once its rows were acknowledged the delay ago', () => {
  const d = createDurableOffsets(10_000);
  d.assign([0, 1]);
  d.started(0, 100);
  assert.ok(d.written(0, 150, 1_000, d.generation));
  assert.ok(d.written(0, 200, 6_000, d.generation));
  assert.deepEqual(d.due(10_999), []);
  assert.deepEqual(d.due(11_000), [{ partition: 0, offset: 150 }]);
  assert.deepEqual(d.due(16_000), [{ partition: 0, offset: 200 }]);
  d.committed(0, 150);
  assert.deepEqual(d.uncommitted(), [
    { partition: 0, count: 50 },
    { partition: 1, count: 0 },
  ]);
  d.committed(0, 200);
  assert.deepEqual(d.due(60_000), []);
});

test('with no delay every written offset is due at once', () => {
  const d = createDurableOffsets(0);
  d.assign([3]);
  d.written(3, 10, 5, d.generation);
  assert.deepEqual(d.due(5), [{ partition: 3, offset: 10 }]);
});

test('a rewind forgets uncommitted writes and names where to read again; older batches report nothing', () => {
  const d = createDurableOffsets(10_000);
  d.assign([0, 1, 2]);
  d.started(0, 100);
  d.started(1, 40);
  const before = d.generation;
  d.written(0, 150, 0, before);
  d.committed(0, 150);
  d.written(0, 300, 1_000, before);
  d.written(1, 90, 1_000, before);
  // Partition 2 had no batch yet: nothing of it to read again.
  assert.deepEqual(d.rewind(), [
    { partition: 0, offset: 150 },
    { partition: 1, offset: 40 },
  ]);
  assert.deepEqual(d.due(100_000), []);
  // A batch that began before the rewind may finish after it: its rows are read and written again anyway.
  assert.equal(d.written(0, 400, 2_000, before), false);
  assert.deepEqual(d.due(100_000), []);
  assert.ok(d.written(0, 200, 3_000, d.generation));
  assert.deepEqual(d.due(13_000), [{ partition: 0, offset: 200 }]);
});

test('a new assignment starts over: partitions no longer owned report nothing', () => {
  const d = createDurableOffsets(0);
  d.assign([0]);
  d.written(0, 10, 0, d.generation);
  d.assign([1]);
  assert.equal(d.written(0, 20, 0, d.generation), false);
  assert.deepEqual(d.due(0), []);
});
