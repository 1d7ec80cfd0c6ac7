/**
 * Which offsets may be committed: only those whose rows Cassandra acknowledged at least `delayMs` ago.
 *
 * With Cassandra's default `commitlog_sync: periodic`, an acknowledged write may still be lost when the node
 * dies before its commit log is synced. Kafka still holds every record, so the consumer commits a partition
 * only up to rows old enough to be on disk, and after a node loss goes back to what it committed and writes
 * the rest again (the upserts are idempotent). Pure bookkeeping: the caller does the I/O and gives the clock.
 */
export interface DurableOffsets {
  /**
   * Bumped whenever what was written may be lost or re-read (a node loss, a rebalance): a batch that began
   * under an older generation reports nothing, because its partition is read again from the committed point.
   */
  readonly generation: number;
  /** Starts over with `partitions` as this member's own: nothing written or committed is known yet. */
  assign(partitions: readonly number[]): void;
  /** Where a partition's first batch since the last assignment began: its committed point until a commit. */
  started(partition: number, offset: number): void;
  /**
   * Records that every record of `partition` before `next` is written (or dead-lettered) as of `at`. Returns
   * false, and records nothing, for a report from a batch of an older generation.
   */
  written(partition: number, next: number, at: number, generation: number): boolean;
  /** Per partition, the newest next-offset old enough to commit at `now` and beyond what is committed. */
  due(now: number): { partition: number; offset: number }[];
  /** Notes a successful commit of `offset` (the next record to read) for `partition`. */
  committed(partition: number, offset: number): void;
  /**
   * Forgets every write not yet committed (they may be lost) and returns, per partition, the offset to read
   * again from: the last commit, or where its first batch began.
   */
  rewind(): { partition: number; offset: number }[];
  /** Records written but not committed yet, per partition (for the metrics). */
  uncommitted(): { partition: number; count: number }[];
  /** The committed offset of `partition` as this member knows it (undefined before its first batch). */
  committedOf(partition: number): number | undefined;
}

interface Written {
  next: number;
  at: number;
}

interface PartitionState {
  /** The committed offset as this member knows it (its last commit, or where its first batch began). */
  committed: number | undefined;
  /** Writes not yet committed, oldest first; offsets and times both increase. */
  pending: Written[];
}

/** Creates the bookkeeping for a delay of `delayMs` (0: every written offset is due at once). */
export function createDurableOffsets(delayMs: number): DurableOffsets {
  let generation = 0;
  let partitions = new Map<number, PartitionState>();

  const state = (partition: number): PartitionState | undefined => partitions.get(partition);

  return {
    get generation() {
      return generation;
    },
    assign(assigned) {
      generation++;
      partitions = new Map(assigned.map((p) => [p, { committed: undefined, pending: [] }]));
    },
    started(partition, offset) {
      const s = state(partition);
      if (s && s.committed === undefined) s.committed = offset;
    },
    written(partition, next, at, batchGeneration) {
      const s = state(partition);
      if (!s || batchGeneration !== generation) return false;
      const last = s.pending.at(-1);
      if (last && next <= last.next) return true;
      s.pending.push({ next, at });
      return true;
    },
    due(now) {
      const result: { partition: number; offset: number }[] = [];
      for (const [partition, s] of partitions) {
        let ready: Written | undefined;
        for (const w of s.pending) {
          if (w.at > now - delayMs) break;
          ready = w;
        }
        if (ready && (s.committed === undefined || ready.next > s.committed)) {
          result.push({ partition, offset: ready.next });
        }
      }
      return result;
    },
    committed(partition, offset) {
      const s = state(partition);
      if (!s) return;
      if (s.committed === undefined || offset > s.committed) s.committed = offset;
      const kept = s.pending.findIndex((w) => w.next > offset);
      s.pending = kept < 0 ? [] : s.pending.slice(kept);
    },
    rewind() {
      generation++;
      const targets: { partition: number; offset: number }[] = [];
      for (const [partition, s] of partitions) {
        s.pending = [];
        if (s.committed !== undefined) targets.push({ partition, offset: s.committed });
      }
      return targets;
    },
    committedOf(partition) {
      return state(partition)?.committed;
    },
    uncommitted() {
      return [...partitions].map(([partition, s]) => ({
        partition,
        count: Math.max(0, (s.pending.at(-1)?.next ?? 0) - (s.committed ?? s.pending.at(-1)?.next ?? 0)),
      }));
    },
  };
}
