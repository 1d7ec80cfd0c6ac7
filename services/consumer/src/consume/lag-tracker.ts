import type { Admin } from 'kafkajs';
import type { ConsumerMetrics } from '../metrics.ts';

/** The lag gauge of this member's partitions: from its batches, and from the broker when no batch comes. */
export interface LagTracker {
  /** This member's partitions since its last join: the ones whose lag it reports. */
  readonly assigned: readonly number[];
  /** Forgets the old partitions and their series (another member may report them now); takes `partitions`. */
  assign(partitions: readonly number[]): void;
  /** A batch began: its own messages are still behind while it is processed (or stuck on an outage). */
  batchStarted(partition: number, firstOffset: number | undefined, lagLow: number): void;
  /** A batch resolved up to `resolved`: the lag is what is behind that in the partition. */
  batchResolved(partition: number, highWatermark: number, resolved: number): void;
  /**
   * Sets the lag of the assigned partitions from the group's committed offsets and the high watermarks. On a
   * join (`all` false) it seeds partitions that no batch has reported since (one with nothing new gets no
   * batch, and would have no series until it does); while paused (`all`) it updates every one.
   * `stillWanted` is asked once the reading is back: false drops it (resumed or stopping meanwhile).
   */
  read(all: boolean, stillWanted: () => boolean): Promise<void>;
}

export interface LagTrackerOptions {
  admin: Admin;
  topic: string;
  groupId: string;
  fromBeginning: boolean;
  lag: ConsumerMetrics['lag'];
}

/** Creates the lag bookkeeping of one consumer loop. */
export function createLagTracker(options: LagTrackerOptions): LagTracker {
  const { admin, topic, groupId, lag } = options;
  let assigned: readonly number[] = [];
  // Partitions that reported their lag from a batch since the last join: theirs is fresher than a seed's.
  const reported = new Set<number>();
  // Where this member stands on partitions its group has committed nothing for: where the last batch started,
  // or, before any batch, where the group starts (the end, with CONSUMER_FROM_BEGINNING=false).
  const positions = new Map<number, number>();
  const labels = (partition: number) => ({ topic, partition: String(partition) });

  return {
    get assigned() {
      return assigned;
    },
    assign(partitions) {
      lag.reset();
      reported.clear();
      positions.clear();
      assigned = partitions;
    },
    batchStarted(partition, firstOffset, lagLow) {
      reported.add(partition);
      if (firstOffset !== undefined) positions.set(partition, firstOffset);
      lag.set(labels(partition), lagLow + (firstOffset === undefined ? 0 : 1));
    },
    batchResolved(partition, highWatermark, resolved) {
      lag.set(labels(partition), Math.max(0, highWatermark - 1 - resolved));
    },
    async read(all, stillWanted) {
      const partitions = assigned;
      if (partitions.length === 0) return;
      const [ends, groups] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      if (!stillWanted()) return;
      const committed = new Map(
        (groups[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const),
      );
      for (const partition of partitions) {
        const end = ends.find((p) => p.partition === partition);
        // A join since this reading began has reset the gauge: a partition now another member's stays unset.
        if (!end || !assigned.includes(partition)) continue;
        if (!all && reported.has(partition)) continue;
        const offset = committed.get(partition) ?? -1;
        // No committed offset yet: the member's own position, or where CONSUMER_FROM_BEGINNING starts it.
        const next =
          offset >= 0
            ? offset
            : (positions.get(partition) ?? (options.fromBeginning ? Number(end.low) : Number(end.high)));
        if (offset < 0 && !positions.has(partition)) positions.set(partition, next);
        lag.set(labels(partition), Math.max(0, Number(end.high) - next));
      }
    },
  };
}
