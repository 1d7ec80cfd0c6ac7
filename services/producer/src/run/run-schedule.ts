import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '@userstream/shared/observability';
import type { ProducerMetrics } from '../metrics.ts';

/**
 * How late a tick may fire and still run. node-cron's default, 1 s, skipped a scheduled run whenever the
 * event loop was busy (a garbage collection, a page being encoded) across the slot; node-cron still never
 * runs a tick later than the next slot.
 */
export const MISSED_TICK_TOLERANCE_MS = 30_000;

/**
 * Calls `tick` with its slot on the cron `expression`; a slot node-cron gives up on is logged and counted,
 * never silent.
 */
export function scheduleRuns(
  expression: string,
  tick: (slot: Date) => void,
  metrics: Pick<ProducerMetrics, 'runs'>,
  logger: Logger,
): ScheduledTask {
  const task = cron.schedule(expression, (context) => tick(context.date), {
    missedExecutionTolerance: MISSED_TICK_TOLERANCE_MS,
  });
  // With a listener node-cron no longer prints its own warning to the console, outside the JSON logs.
  task.on('execution:missed', (context) => {
    metrics.runs.inc({ outcome: 'missed', trigger: 'schedule' });
    logger.warn(
      { slot: context.date, schedule: expression },
      'scheduled run missed: the process was busy past its slot',
    );
  });
  return task;
}
