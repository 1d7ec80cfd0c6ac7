import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogs, createMetricsRegistry } from '@userstream/shared';
import { createProducerMetrics } from '../metrics.ts';
import { scheduleRuns } from './run-schedule.ts';

/** Keeps the event loop busy until `until` (Date.now()), as a long garbage collection or CPU starvation would. */
function busyUntil(until: number): void {
  while (Date.now() < until) {
    // spin
  }
}

function setup() {
  const { logger, lines } = captureLogs('info');
  const metrics = createProducerMetrics(createMetricsRegistry('test'));
  const count = async (outcome: string) =>
    (await metrics.runs.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { logger, lines, metrics, count };
}

test('a tick fired 2 s late still runs (node-cron would have skipped it past 1 s)', async () => {
  const { logger, metrics, count } = setup();
  const ticks: number[] = [];
  const slots: number[] = [];
  let first: () => void = () => undefined;
  const firstTick = new Promise<void>((resolve) => (first = resolve));
  // Every 3 s: slots 3 s apart all through the minute.
  const task = scheduleRuns(
    '*/3 * * * * *',
    (slot) => {
      ticks.push(Date.now());
      slots.push(slot.getTime());
      first();
    },
    metrics,
    logger,
  );
  try {
    await firstTick;
    // The slot node-cron ran, not the time it ran at: on a loaded machine that can be a second later.
    const slot = slots[0]!;
    // Busy until 2.1 s past the next slot: node-cron compares whole seconds, so the tick is 2 s late.
    busyUntil(slot + 3_000 + 2_100);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(ticks.length, 2, 'the late tick ran');
    assert.ok(ticks[1]! >= slot + 5_000, 'and it ran late, after the busy spell');
    assert.equal(await count('missed'), 0);
  } finally {
    await task.destroy();
  }
});

test('a slot passed over entirely is counted and logged as JSON, not printed to the console', async (t) => {
  const { logger, lines, metrics, count } = setup();
  const warned = t.mock.method(console, 'warn');
  let first: () => void = () => undefined;
  const firstTick = new Promise<void>((resolve) => (first = resolve));
  const task = scheduleRuns('* * * * * *', () => first(), metrics, logger);
  try {
    await firstTick;
    // Past two whole slots: node-cron never runs a tick later than the next slot, so one at least is missed.
    busyUntil(Date.now() + 2_500);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok((await count('missed')) >= 1, 'a missed slot is counted');
    const missed = lines.filter(
      (line) => line.msg === 'scheduled run missed: the process was busy past its slot',
    );
    assert.ok(missed.length >= 1, JSON.stringify(lines));
    assert.equal(missed[0]!.schedule, '* * * * * *');
    assert.equal(warned.mock.callCount(), 0, 'node-cron printed nothing of its own');
  } finally {
    await task.destroy();
  }
});
