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
  const started = Date.now();
  setTimeout(() => controller.abort(), 10);
  await sleep(60_000, controller.signal);
  assert.ok(Date.now() - started < 5_000);
});
