import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '@userstream/shared/observability';
import type { ConsumerMetrics } from '../metrics.ts';
import type { BatchContext } from '../process/batch-processor.ts';

export interface ConsumerLoopOptions {
  groupId: string;
  topic: string;
  fromBeginning: boolean;
  partitionsConcurrently: number;
  maxBytesPerPartition: number;
  /** How long the broker may hold a fetch that finds nothing new; a stop or rebalance waits for it. */
  fetchMaxWaitMs: number;
  sessionTimeoutMs: number;
}

/** The Kafka side of the consumer: group membership, fetching, pausing and committing. */
export interface ConsumerLoop {
  consumer: Consumer;
  /**
   * Joins the group and processes batches with `handle`. `fatal` is called if kafkajs stops consuming for
   * good (a crash it does not restart from), so the service can exit instead of idling.
   */
  start(handle: (batch: BatchContext) => Promise<void>, fatal: (error: Error) => void): Promise<void>;
  /**
   * Resolves while this process is a member of its group; rejects with why not (joining, rebalancing, after
   * a crash until kafkajs has rejoined, stopping). A readiness check.
   */
  checkMembership(): Promise<void>;
  /** Stops fetching everywhere while a dependency is down, and resumes when it is back. */
  setPaused(paused: boolean, reason?: string): void;
  /** Waits for the in-flight batches, commits what they resolved, and leaves the group. */
  stop(): Promise<void>;
}

/**
 * While fetching is paused no batch arrives to update the lag, so it is read from the broker this often:
 * during an outage the lag must keep growing with what the producer adds, or a lag alert would miss it.
 */
export const PAUSED_LAG_REFRESH_MS = 5_000;

/**
 * Creates the consumer loop. Offsets are resolved by the processor only after rows are written or
 * dead-lettered, and kafkajs commits resolved offsets after each batch (and on rebalance or stop). `admin`
 * (connected, and closed by the caller) reads the lag of partitions as they are assigned.
 */
export function createConsumerLoop(
  kafka: Kafka,
  admin: Admin,
  options: ConsumerLoopOptions,
  metrics: ConsumerMetrics,
  logger: Logger,
): ConsumerLoop {
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: Math.floor(options.sessionTimeoutMs / 10),
    maxBytesPerPartition: options.maxBytesPerPartition,
    maxWaitTimeInMs: options.fetchMaxWaitMs,
    allowAutoTopicCreation: false,
  });
  let paused = false;
  let pausedLagTimer: NodeJS.Timeout | undefined;
  // This member's partitions since its last join: the ones whose lag it reports.
  let assigned: readonly number[] = [];
  let running = false;
  // Why this process is not consuming now; undefined while it is a member of the group.
  let notMember: string | undefined = `joining group ${options.groupId}`;
  // stop() may come while start() still connects (a signal during start-up): then start() must not go on.
  let stopRequested = false;

  /** Pauses or resumes fetching for the whole topic (kafkajs keeps a pause across rebalances). */
  function setPaused(next: boolean, reason = 'the dependency is back'): void {
    if (next === paused) return;
    try {
      if (next) consumer.pause([{ topic: options.topic }]);
      else consumer.resume([{ topic: options.topic }]);
    } catch (error) {
      // Between a crash and kafkajs's restart there is no group to pause; the next retry tries again.
      logger.warn({ err: error, topic: options.topic }, `could not ${next ? 'pause' : 'resume'} fetching`);
      return;
    }
    paused = next;
    metrics.paused.set(next ? 1 : 0);
    clearInterval(pausedLagTimer);
    pausedLagTimer = undefined;
    if (next) {
      pausedLagTimer = setInterval(() => {
        readLag(assigned, true).catch((error: unknown) => {
          logger.warn({ err: error }, 'could not read the lag while paused');
        });
      }, PAUSED_LAG_REFRESH_MS);
      pausedLagTimer.unref();
      logger.warn({ topic: options.topic }, 'pausing fetches until the dependency is back');
    } else {
      logger.info({ topic: options.topic, reason }, 'resuming fetches');
    }
  }

  // Partitions that reported their lag from a batch since the last join: theirs is fresher than a seed's.
  const reported = new Set<number>();
  // Where this member stands on partitions its group has committed nothing for: where the last batch started,
  // or, before any batch, where the group starts (the end, with CONSUMER_FROM_BEGINNING=false).
  const positions = new Map<number, number>();

  /**
   * Sets the lag of `partitions` from the group's committed offsets and the high watermarks. On a join it
   * seeds newly assigned partitions (one with nothing new gets no batch, and would have no lag series until
   * it does), leaving alone those a batch has reported since; while paused (`all`) it updates every one.
   */
  async function readLag(partitions: readonly number[], all: boolean): Promise<void> {
    if (partitions.length === 0) return;
    const [ends, groups] = await Promise.all([
      admin.fetchTopicOffsets(options.topic),
      admin.fetchOffsets({ groupId: options.groupId, topics: [options.topic] }),
    ]);
    const committed = new Map(
      (groups[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const),
    );
    // Resumed meanwhile: the batches' own figures are fresher than this reading.
    if (all && !paused) return;
    for (const partition of partitions) {
      const end = ends.find((p) => p.partition === partition);
      // A join since this reading began has reset the gauge: a partition now another member's stays unset.
      if (!end || !assigned.includes(partition) || stopRequested) continue;
      if (!all && reported.has(partition)) continue;
      const offset = committed.get(partition) ?? -1;
      // No committed offset yet: the member's own position, or where CONSUMER_FROM_BEGINNING starts it.
      const next =
        offset >= 0
          ? offset
          : (positions.get(partition) ?? (options.fromBeginning ? Number(end.low) : Number(end.high)));
      if (offset < 0 && !positions.has(partition)) positions.set(partition, next);
      metrics.lag.set(
        { topic: options.topic, partition: String(partition) },
        Math.max(0, Number(end.high) - next),
      );
    }
  }

  /**
   * Forgets this member's partitions and their lag series, which another member may report from now on,
   * and takes `partitions` as its own.
   */
  function assign(partitions: readonly number[]): void {
    metrics.lag.reset();
    reported.clear();
    positions.clear();
    assigned = partitions;
  }

  consumer.on(consumer.events.REBALANCING, () => {
    if (!stopRequested) notMember = `rebalancing group ${options.groupId}`;
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    if (!stopRequested) notMember = undefined;
    assign(payload.memberAssignment[options.topic] ?? []);
    logger.info(
      { memberId: payload.memberId, assignment: payload.memberAssignment },
      'joined consumer group',
    );
    readLag(assigned, false).catch((error: unknown) => {
      // Only the gauge waits for the next batch; consuming goes on.
      logger.warn({ err: error }, 'could not read the lag of the assigned partitions');
    });
  });
  let onFatal: (error: Error) => void = () => undefined;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!stopRequested) {
      notMember = payload.restart
        ? `crashed (${payload.error.message}); kafkajs is rejoining`
        : `crashed (${payload.error.message}); not consuming`;
    }
    logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    // kafkajs drops its group on a crash; a restarted one starts unpaused, and holds no partition until it
    // has joined again.
    assign([]);
    paused = false;
    clearInterval(pausedLagTimer);
    metrics.paused.set(0);
    // kafkajs restarts itself after most crashes; after the others it stops consuming for good. A crash
    // caused by stop() itself (a group join cut short by the disconnect) is the stop, not a failure.
    if (!payload.restart && !stopRequested) onFatal(payload.error);
  });

  return {
    consumer,
    async start(handle, fatal) {
      onFatal = fatal;
      await consumer.connect();
      if (stopRequested) return;
      await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
      if (stopRequested) return;
      running = true;
      await consumer.run({
        autoCommit: true,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConcurrently,
        eachBatch: async (payload: EachBatchPayload) => {
          const { batch } = payload;
          const labels = { topic: batch.topic, partition: String(batch.partition) };
          reported.add(batch.partition);
          if (!batch.isEmpty()) positions.set(batch.partition, Number(batch.firstOffset()));
          // While the batch is processed (or stuck on an outage) its own messages are still behind.
          metrics.lag.set(labels, Number(batch.offsetLagLow()) + (batch.isEmpty() ? 0 : 1));
          let resolved: string | undefined;
          try {
            await handle({
              topic: batch.topic,
              partition: batch.partition,
              messages: batch.messages,
              resolveOffset: (offset) => {
                resolved = offset;
                payload.resolveOffset(offset);
              },
              heartbeat: () => payload.heartbeat(),
              shouldContinue: () => running && payload.isRunning() && !payload.isStale(),
            });
            // Behind what was written (a batch cut short by a rebalance or a stop is fetched again).
            if (resolved !== undefined) {
              metrics.lag.set(labels, Math.max(0, Number(batch.highWatermark) - 1 - Number(resolved)));
            }
          } catch (error) {
            // A batch that gave up while waiting for a dependency (a rebalance, a stop) will never resume
            // fetching itself, and a paused topic gets no new batch to do it: resume here. If the dependency
            // is still down, the next batch pauses again.
            setPaused(false, 'the pausing batch gave up');
            throw error;
          }
        },
      });
    },
    checkMembership: () =>
      notMember === undefined ? Promise.resolve() : Promise.reject(new Error(notMember)),
    setPaused,
    async stop() {
      stopRequested = true;
      notMember = 'stopping';
      running = false;
      clearInterval(pausedLagTimer);
      await consumer.disconnect();
    },
  };
}
