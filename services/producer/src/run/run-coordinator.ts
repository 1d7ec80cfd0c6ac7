import { randomUUID } from 'node:crypto';
import { describeError } from '@userstream/shared/errors';
import type { Logger } from '@userstream/shared/observability';
import { RunFailed, type RunSummary } from './producer-run.ts';
import type { ProducerMetrics } from '../metrics.ts';

export type Trigger = 'schedule' | 'http' | 'start' | 'once';

/** A run as /runs reports it. */
export interface RunRecord {
  id: string;
  trigger: Trigger;
  startedAt: string;
  finishedAt?: string;
  /** `stopped`: shutdown ended the run before its last page; what was fetched was published. */
  status: 'running' | 'succeeded' | 'stopped' | 'failed';
  summary?: RunSummary;
  error?: string;
}

/** Starts runs one at a time, keeps the recent ones, and records their outcome in logs and metrics. */
export interface RunCoordinator {
  /** Starts a run unless one is running; returns it, or undefined when skipped. */
  start(trigger: Trigger): RunRecord | undefined;
  /** The run in progress, if any, as a promise of its record. */
  current(): Promise<RunRecord> | undefined;
  /** Refuses every later start (shutdown): a run must not begin while the producer disconnects. */
  close(): void;
  /** False once closed. */
  accepting(): boolean;
  recent(): RunRecord[];
}

/** Creates the coordinator around a function that performs one run. */
export function createRunCoordinator(
  run: () => Promise<RunSummary>,
  logger: Logger,
  metrics: ProducerMetrics,
  keep = 20,
): RunCoordinator {
  const history: RunRecord[] = [];
  let inFlight: Promise<RunRecord> | undefined;
  let closed = false;

  return {
    start(trigger) {
      if (closed) {
        metrics.runs.inc({ outcome: 'skipped', trigger });
        logger.warn({ trigger }, 'run refused: the producer is shutting down');
        return undefined;
      }
      if (inFlight) {
        metrics.runs.inc({ outcome: 'skipped', trigger });
        logger.warn({ trigger }, 'run skipped: the previous run is still in progress');
        return undefined;
      }
      const record: RunRecord = {
        id: randomUUID(),
        trigger,
        startedAt: new Date().toISOString(),
        status: 'running',
      };
      logger.info({ runId: record.id, trigger }, 'run started');
      history.unshift(record);
      history.length = Math.min(history.length, keep);
      const endTimer = metrics.runDuration.startTimer();
      inFlight = run()
        .then(
          (summary) => {
            record.summary = summary;
            if (summary.stoppedEarly) {
              // Not a success: the batch is incomplete, and the last-success time must not say otherwise.
              record.status = 'stopped';
              metrics.runs.inc({ outcome: 'stopped', trigger });
              logger.warn(
                { runId: record.id, trigger, ...summary },
                'run stopped by shutdown before its last page',
              );
              return record;
            }
            record.status = 'succeeded';
            metrics.runs.inc({ outcome: 'success', trigger });
            metrics.lastSuccess.setToCurrentTime();
            logger.info({ runId: record.id, trigger, ...summary }, 'run finished');
            return record;
          },
          (error: unknown) => {
            record.status = 'failed';
            // How far it got: what was published stays in Kafka, and the seed fetches the rest again.
            const cause = error instanceof RunFailed ? error.cause : error;
            if (error instanceof RunFailed) record.summary = error.summary;
            record.error = describeError(cause);
            metrics.runs.inc({ outcome: 'failure', trigger });
            logger.error({ runId: record.id, trigger, ...record.summary, err: cause }, 'run failed');
            return record;
          },
        )
        .finally(() => {
          record.finishedAt = new Date().toISOString();
          endTimer();
          inFlight = undefined;
        });
      return record;
    },
    current: () => inFlight,
    close: () => void (closed = true),
    accepting: () => !closed,
    recent: () => history.map((r) => ({ ...r })),
  };
}
