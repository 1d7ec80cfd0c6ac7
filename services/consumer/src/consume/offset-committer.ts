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
  /**
   * Commits, through `commit`, what is due: rows acknowledged at least the delay before the last time
   * Cassandra was seen alive (a write acknowledged, or a probe answered), so a node that died silently (a
   * power cut, a freeze) cannot have its last rows committed before the consumer notices.
   */
  commitDue(commit: CommitFn): Promise<void>;
  /** Cassandra may have lost acknowledged writes: forget them, and read every partition again from its commit. */
  rewind(reason: string): void;
  /**
   * Commits what is due every `intervalMs` through `commit` until stopTimer(); when no write was
   * acknowledged for that long, it first probes Cassandra. A tick is skipped while the previous one runs.
   */
  startTimer(commit: CommitFn, intervalMs: number): void;
  stopTimer(): void;
}

export interface OffsetCommitterOptions {
  topic: string;
  delayMs: number;
  seek: SeekFn;
  metrics: ConsumerMetrics;
  logger: Logger;
  /** A cheap request to Cassandra: it answering shows the node alive while no write is acknowledged. */
  probe?: () => Promise<unknown>;
  /** A monotonic clock in milliseconds (a wall clock's jump would make every write due at once). */
  now?: () => number;
}

/** Creates the committer of one consumer loop. */
export function createOffsetCommitter(options: OffsetCommitterOptions): OffsetCommitter {
  const { topic, metrics, logger } = options;
  const now = options.now ?? (() => performance.now());
  const offsets = createDurableOffsets(options.delayMs);
  // Partitions with a batch in flight: a seek waits for the batch's end, or it would cut the batch short.
  const inFlight = new Set<number>();
  const seekHeld = new Map<number, number>();
  // The highest offset written per partition in this process: rows at or below it are being written again.
  const highest = new Map<number, number>();
  // False from a rewind until a write is recorded again: the retries of one outage rewind once.
  let writtenSinceRewind = true;
  // The last time Cassandra was seen alive: only rows acknowledged the delay before it may be committed.
  let aliveAt = now();
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;
  const labels = (partition: number) => ({ topic, partition: String(partition) });

  const countRewrites = (partition: number, from: number, to: number) => {
    const high = highest.get(partition) ?? -1;
    if (from <= high) metrics.rewritten.inc(Math.min(to, high) - from + 1);
    if (to > high) highest.set(partition, to);
  };
  // Where the next resolved chunk of each in-flight batch begins, for counting re-written rows.
  const nextOfBatch = new Map<number, number>();

  const seek = (partition: number, offset: number) => {
    nextOfBatch.delete(partition);
    try {
      options.seek(partition, String(offset));
    } catch (error) {
      // kafkajs has no group now (crashed or stopping): it reads from the committed offsets when it rejoins.
      logger.warn({ err: error, topic, partition }, 'could not seek back to the committed offset');
    }
  };

  async function commitNow(commit: CommitFn): Promise<void> {
    const due = offsets.due(Math.min(now(), aliveAt));
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

  // Commits may overlap: each marks only what it sent, and the committed point only moves forward here.
  const commitDue = (commit: CommitFn): Promise<void> => commitNow(commit);

  /** Probes Cassandra when no write was acknowledged for `idleMs`: it answering moves `aliveAt` on. */
  async function probeIfIdle(idleMs: number): Promise<void> {
    if (!options.probe || now() - aliveAt < idleMs) return;
    const sent = now();
    try {
      await options.probe();
      aliveAt = Math.max(aliveAt, sent);
    } catch {
      // Down or slow: nothing more is committed until it answers, or a write is acknowledged.
    }
  }

  return {
    get generation() {
      return offsets.generation;
    },
    assign(partitions) {
      // A batch of another broker's fetcher may outlive a rejoin and move the new position past the
      // committed one (kafkajs rejoins in place after some fetch errors): its partition goes back there.
      const carried = [...inFlight]
        .filter((p) => partitions.includes(p))
        .map((p) => [p, offsets.committedOf(p)] as const);
      offsets.assign(partitions);
      seekHeld.clear();
      for (const [p, committed] of carried) if (committed !== undefined) seekHeld.set(p, committed);
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
      const at = now();
      if (!offsets.written(partition, offset + 1, at, generation)) return;
      aliveAt = Math.max(aliveAt, at);
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
      metrics.uncommitted.reset();
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
        // A commit that kafkajs retries for long must not pile ticks up behind it.
        if (ticking) return;
        ticking = true;
        probeIfIdle(intervalMs)
          .then(() => commitDue(commit))
          .catch((error: unknown) => {
            // A rebalance under way refuses commits; the next tick, or the next owner, commits instead.
            logger.debug({ err: error }, 'could not commit the durable offsets');
          })
          .finally(() => (ticking = false));
      }, intervalMs);
      timer.unref();
    },
    stopTimer() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
