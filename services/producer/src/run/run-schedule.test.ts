import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry } from '@userstream/shared/observability';
import { captureLogs } from '@userstream/shared/testing';
import { createProducerMetrics } from '../metrics.ts';
import { scheduleRuns } from './run-schedule.ts';

/** Lets the promises node-cron chains from a timer settle (setImmediate is left real). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Fake timers and Date from `iso` on: node-cron schedules with setTimeout and reads the time with Date. */
function fakeClock(t: TestContext, iso: string): void {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse(iso) });
}

/**
 * The event loop was busy until `iso`, as a long garbage collection or CPU starvation would keep it: the
 * clock moves there without running the timers that came due, which then fire together, late.
 */
async function busyUntil(t: TestContext, iso: string): Promise<void> {
  t.mock.timers.setTime(Date.parse(iso));
  t.mock.timers.tick(0);
  await settle();
}

function setup() {
  const { logger, lines } = captureLogs('info');
  const metrics = createProducerMetrics(createMetricsRegistry('test'));
  const count = async (outcome: string) =>
    (await metrics.runs.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { logger, lines, metrics, count };
}

test('a tick fired 2 s late still runs (node-cron would have skipped it past 1 s)', async (t) => {
  fakeClock(t, '2026-01-01T00:00:00.500Z');
  const { logger, metrics, count } = setup();
  const ticks: string[] = [];
  const slots: string[] = [];
  // Every 3 s: slots 3 s apart all through the minute.
  const task = scheduleRuns(
    '*/3 * * * * *',
    (slot) => {
      ticks.push(new Date().toISOString());
      slots.push(slot.toISOString());
    },
    metrics,
    logger,
  );
  try {
    t.mock.timers.tick(2_500);
    await settle();
    assert.deepEqual(slots, ['2026-01-01T00:00:03.000Z'], 'the first slot ran on time');
    // Busy until 2.1 s past the next slot: node-cron compares whole seconds, so the tick is 2 s late.
    await busyUntil(t, '2026-01-01T00:00:08.100Z');
    assert.deepEqual(slots.slice(1), ['2026-01-01T00:00:06.000Z'], 'the late tick ran, for its own slot');
    assert.equal(ticks[1], '2026-01-01T00:00:08.100Z', 'and it ran late, after the busy spell');
    assert.equal(await count('missed'), 0);
  } finally {
    await task.destroy();
  }
});

test('a slot passed over entirely is counted and logged as JSON, not printed to the console', async (t) => {
  fakeClock(t, '2026-01-01T00:00:00.500Z');
  const { logger, lines, metrics, count } = setup();
  const warned = t.mock.method(console, 'warn');
  const slots: string[] = [];
  const task = scheduleRuns('* * * * * *', (slot) => slots.push(slot.toISOString()), metrics, logger);
  try {
    t.mock.timers.tick(500);
    await settle();
    assert.deepEqual(slots, ['2026-01-01T00:00:01.000Z']);
    // Busy past two whole slots: node-cron never runs a tick later than the next slot, so :02 and :03 are
    // missed and :04 runs.
    await busyUntil(t, '2026-01-01T00:00:04.500Z');
    assert.deepEqual(slots.slice(1), ['2026-01-01T00:00:04.000Z']);
    assert.equal(await count('missed'), 2, 'each missed slot is counted');
    const missed = lines.filter(
      (line) => line.msg === 'scheduled run missed: the process was busy past its slot',
    );
    assert.equal(missed.length, 2, JSON.stringify(lines));
    assert.equal(missed[0]!.schedule, '* * * * * *');
    assert.equal(warned.mock.callCount(), 0, 'node-cron printed nothing of its own');
  } finally {
    await task.destroy();
  }
});
