import type { Logger } from '@userstream/shared';
import type { ConsumerMetrics } from '../metrics.ts';
import { createDurableOffsets } from './durable-offsets.ts';

/** Sends one offset commit (kafkajs's consumer or batch payload); offsets are the next records to read. */
export type CommitFn = (offsets: { partition: number; offset: string }[]) => Promise<void>;

/** Sets a partition's read position (kafkajs's `seek`), applied at its next fetch. */
export type SeekFn = (partition: number, offset: string) => void;

/**
 * Commits offsets only once Cassandra has had `delayMs` to make their rows durable, and after a node loss
 * sends every partition back to its committed point so that whatever Cassandra may have lost is written
 * again (see durable-offsets.ts).
 */
export interface OffsetCommitter {
  /** Current bookkeeping generation: a batch reports its writes with the one it began under. */
  readonly generation: number;
  /** A rebalance gave this member `partitions`; kafkajs reads them from the committed offsets again. */
  assign(partitions: readonly number[]): void;
  /** A batch of `partition` is being processed from `firstOffset` (undefined when empty). */
  batchStarted(partition: number, firstOffset: number | undefined): void;
  /** Every record of `partition` up to `offset` is written (or dead-lettered), under `generation`. */
  resolved(partition: number, offset: number, generation: number): void;
  /** The batch of `partition` is over: a seek it held back is made now. */
  batchEnded(partition: number): void;
  /** Commits whatever is due now, through `commit`; commits never run concurrently. */
  commitDue(commit: CommitFn): Promise<void>;
  /** Cassandra may have lost acknowledged writes: forget them, and read every partition again from its commit. */
  rewind(reason: string): void;
  /** Commits what is due every `intervalMs` through `commit` until stop(). */
  startTimer(commit: CommitFn, intervalMs: number): void;
  stopTimer(): void;
}

export interface OffsetCommitterOptions {
  topic: string;
  delayMs: number;
  seek: SeekFn;
  metrics: ConsumerMetrics;
  logger: Logger;
  now?: () => number;
}

/** Creates the committer of one consumer loop. */
export function createOffsetCommitter(options: OffsetCommitterOptions): OffsetCommitter {
  const { topic, metrics, logger } = options;
  const now = options.now ?? Date.now;
  const offsets = createDurableOffsets(options.delayMs);
  // Partitions with a batch in flight: a seek waits for the batch's end, or it would cut the batch short.
  const inFlight = new Set<number>();
  const seekHeld = new Map<number, number>();
  // The highest offset written per partition in this process: rows at or below it are being written again.
  const highest = new Map<number, number>();
  // False from a rewind until a write is recorded again: the retries of one outage rewind once.
  let writtenSinceRewind = true;
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const labels = (partition: number) => ({ topic, partition: String(partition) });

  const countRewrites = (partition: number, from: number, to: number) => {
    const high = highest.get(partition) ?? -1;
    if (from <= high) metrics.rewritten.inc(Math.min(to, high) - from + 1);
    if (to > high) highest.set(partition, to);
  };
  // Where the next resolved chunk of each in-flight batch begins, for counting re-written rows.
  const nextOfBatch = new Map<number, number>();

  const seek = (partition: number, offset: number) => {
    options.seek(partition, String(offset));
    nextOfBatch.delete(partition);
  };

  async function commitNow(commit: CommitFn): Promise<void> {
    const due = offsets.due(now());
    if (due.length === 0) return;
    const generation = offsets.generation;
    await commit(due.map(({ partition, offset }) => ({ partition, offset: String(offset) })));
    // A rewind or a rebalance meanwhile started over: its bookkeeping must not take these.
    if (generation !== offsets.generation) return;
    for (const { partition, offset } of due) {
      offsets.committed(partition, offset);
      metrics.committedOffset.set(labels(partition), offset);
    }
    for (const { partition, count } of offsets.uncommitted())
      metrics.uncommitted.set(labels(partition), count);
  }

  function commitDue(commit: CommitFn): Promise<void> {
    const run = chain.then(() => commitNow(commit));
    chain = run.catch(() => undefined);
    return run;
  }

  return {
    get generation() {
      return offsets.generation;
    },
    assign(partitions) {
      offsets.assign(partitions);
      seekHeld.clear();
      nextOfBatch.clear();
      metrics.committedOffset.reset();
      metrics.uncommitted.reset();
    },
    batchStarted(partition, firstOffset) {
      inFlight.add(partition);
      if (firstOffset === undefined) return;
      offsets.started(partition, firstOffset);
      nextOfBatch.set(partition, firstOffset);
    },
    resolved(partition, offset, generation) {
      if (!offsets.written(partition, offset + 1, now(), generation)) return;
      writtenSinceRewind = true;
      countRewrites(partition, nextOfBatch.get(partition) ?? offset, offset);
      nextOfBatch.set(partition, offset + 1);
      metrics.uncommitted.set(
        labels(partition),
        offsets.uncommitted().find((u) => u.partition === partition)?.count ?? 0,
      );
    },
    batchEnded(partition) {
      inFlight.delete(partition);
      const held = seekHeld.get(partition);
      if (held === undefined) return;
      seekHeld.delete(partition);
      seek(partition, held);
    },
    commitDue,
    rewind(reason) {
      if (!writtenSinceRewind) return;
      writtenSinceRewind = false;
      const targets = offsets.rewind();
      metrics.rewinds.inc();
      logger.warn(
        { topic, partitions: targets.map((t) => t.partition), reason },
        'Cassandra may have lost acknowledged writes: reading the partitions again from their committed offsets',
      );
      for (const { partition, offset } of targets) {
        if (inFlight.has(partition)) seekHeld.set(partition, offset);
        else seek(partition, offset);
      }
    },
    startTimer(commit, intervalMs) {
      clearInterval(timer);
      timer = setInterval(() => {
        commitDue(commit).catch((error: unknown) => {
          // A rebalance under way refuses commits; the next tick, or the next owner, commits instead.
          logger.debug({ err: error }, 'could not commit the durable offsets');
        });
      }, intervalMs);
      timer.unref();
    },
    stopTimer() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
