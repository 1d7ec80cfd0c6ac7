import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, sleep } from './backoff.ts';

test('backoff grows exponentially, is capped, and is jittered below the ceiling', () => {
  assert.equal(
    backoffDelay(0, 100, 10_000, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(3, 100, 10_000, () => 1),
    800,
  );
  assert.equal(
    backoffDelay(20, 100, 10_000, () => 1),
    10_000,
  );
  assert.equal(
    backoffDelay(3, 100, 10_000, () => 0.5),
    400,
  );
  assert.equal(
    backoffDelay(3, 100, 10_000, () => 0),
    0,
  );
});

test('sleep ends early when aborted', async () => {
  const controller = new AbortController();
  const slept = sleep(60_000, controller.signal).then(() => 'ended');
  controller.abort();
  // Ended before the next turn of the event loop, not after its minute: no clock involved.
  const first = await Promise.race([
    slept,
    new Promise((resolve) => setImmediate(() => resolve('sleeping'))),
  ]);
  assert.equal(first, 'ended');
});
