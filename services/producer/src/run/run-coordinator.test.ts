import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createMetricsRegistry } from '@userstream/shared/observability';
import { captureLogs } from '@userstream/shared/testing';
import { createProducerMetrics } from '../metrics.ts';
import { createRunCoordinator } from './run-coordinator.ts';
import { RunFailed, type RunSummary } from './producer-run.ts';

const summary: RunSummary = {
  seed: 's',
  fetched: 1,
  valid: 1,
  rejected: 0,
  deadLettered: 0,
  published: 1,
  pages: 1,
  durationMs: 1,
  stoppedEarly: false,
};

test('never runs twice at once: an overlapping start is skipped and counted', async () => {
  const registry = createMetricsRegistry('test');
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const coordinator = createRunCoordinator(
    async () => {
      await gate;
      return summary;
    },
    createLogger('test', 'silent'),
    createProducerMetrics(registry),
  );
  const first = coordinator.start('schedule');
  assert.ok(first);
  assert.equal(coordinator.start('schedule'), undefined);
  assert.equal(coordinator.start('http'), undefined);
  release();
  const done = await coordinator.current()!;
  assert.equal(done.status, 'succeeded');
  assert.deepEqual(done.summary, summary);
  assert.equal(coordinator.current(), undefined);
  assert.ok(coordinator.start('http'), 'a new run may start once the previous one ended');
  await coordinator.current();
  const text = await registry.metrics();
  assert.match(
    text,
    /userstream_producer_runs_total\{outcome="skipped",trigger="schedule",service="test"\} 1/,
  );
  assert.match(text, /userstream_producer_runs_total\{outcome="success",trigger="http",service="test"\} 1/);
  assert.deepEqual(
    coordinator.recent().map((r) => r.trigger),
    ['http', 'schedule'],
  );
});

test('a failed run is recorded with its error and does not block the next', async () => {
  let fail = true;
  const coordinator = createRunCoordinator(
    () => (fail ? Promise.reject(new Error('source down')) : Promise.resolve(summary)),
    createLogger('test', 'silent'),
    createProducerMetrics(createMetricsRegistry('test')),
  );
  coordinator.start('once');
  const failed = await coordinator.current()!;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error, 'Error: source down');
  fail = false;
  coordinator.start('once');
  assert.equal((await coordinator.current()!).status, 'succeeded');
});

test('once closed for shutdown, no run starts, and the refusal is counted', async () => {
  const registry = createMetricsRegistry('test');
  const coordinator = createRunCoordinator(
    () => Promise.resolve(summary),
    createLogger('test', 'silent'),
    createProducerMetrics(registry),
  );
  assert.equal(coordinator.accepting(), true);
  coordinator.close();
  assert.equal(coordinator.accepting(), false);
  assert.equal(coordinator.start('http'), undefined);
  assert.equal(coordinator.start('schedule'), undefined);
  assert.equal(coordinator.current(), undefined);
  assert.deepEqual(coordinator.recent(), []);
  assert.match(
    await registry.metrics(),
    /userstream_producer_runs_total\{outcome="skipped",trigger="http",service="test"\} 1/,
  );
});

test('a run that shutdown stopped before its last page is recorded as stopped, not as a success', async () => {
  const registry = createMetricsRegistry('test');
  const coordinator = createRunCoordinator(
    () => Promise.resolve({ ...summary, stoppedEarly: true }),
    createLogger('test', 'silent'),
    createProducerMetrics(registry),
  );
  coordinator.start('schedule');
  assert.equal((await coordinator.current()!).status, 'stopped');
  const text = await registry.metrics();
  assert.match(
    text,
    /userstream_producer_runs_total\{outcome="stopped",trigger="schedule",service="test"\} 1/,
  );
  assert.doesNotMatch(text, /outcome="success"/);
  assert.match(text, /userstream_producer_last_success_timestamp_seconds\{service="test"\} 0/);
});

test('a failed run keeps how far it got (published, seed) in its record and its log line', async () => {
  const { logger, lines } = captureLogs();
  const partial = { ...summary, seed: 'f99ef723827ad51e', published: 2_000, pages: 2 };
  const coordinator = createRunCoordinator(
    () => Promise.reject(new RunFailed(partial, new Error('page 3: giving up after 7 attempts: HTTP 500'))),
    logger,
    createProducerMetrics(createMetricsRegistry('test')),
  );
  coordinator.start('http');
  const failed = await coordinator.current()!;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error, 'Error: page 3: giving up after 7 attempts: HTTP 500', 'the cause, as before');
  assert.deepEqual(failed.summary, partial);
  const line = lines.find((l) => l.msg === 'run failed');
  assert.equal(line?.seed, 'f99ef723827ad51e');
  assert.equal(line?.published, 2_000);
});
