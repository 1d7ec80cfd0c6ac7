import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '@userstream/shared/observability';
import type { ConsumerMetrics } from '../metrics.ts';
import type { BatchContext } from '../process/batch-processor.ts';
import { createLagTracker } from './lag-tracker.ts';
import { createOffsetCommitter, type CommitFn } from './offset-committer.ts';

export interface ConsumerLoopOptions {
  groupId: string;
  topic: string;
  fromBeginning: boolean;
  partitionsConcurrently: number;
  maxBytesPerPartition: number;
  /** How long the broker may hold a fetch that finds nothing new; a stop or rebalance waits for it. */
  fetchMaxWaitMs: number;
  sessionTimeoutMs: number;
  /** Offsets are committed once their rows were acknowledged this long ago (0: at once). */
  durabilityDelayMs: number;
  /** A cheap Cassandra request: while no write is acknowledged, it answering shows the node alive. */
  probeCassandra?: () => Promise<unknown>;
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
  /** Cassandra may have lost acknowledged writes (a node went away): read every partition again from its commit. */
  rewind(reason: string): void;
  /** Waits for the in-flight batches, commits what is durable, and leaves the group. */
  stop(): Promise<void>;
}

/**
 * While fetching is paused no batch arrives to update the lag, so it is read from the broker this often:
 * during an outage the lag must keep growing with what the producer adds, or a lag alert would miss it.
 */
export const PAUSED_LAG_REFRESH_MS = 5_000;

/** How long a stop waits for its commit of the durable offsets. */
export const STOP_COMMIT_WAIT_MS = 5_000;

/** How often durable offsets are committed when no batch comes to do it (a tenth of the delay, 0.2-1 s). */
export const commitIntervalMs = (delayMs: number): number => Math.min(1_000, Math.max(200, delayMs / 10));

/**
 * Creates the consumer loop. Offsets are resolved by the processor only after rows are written or
 * dead-lettered, and committed once they are durable (see offset-committer.ts): after each batch, on a
 * timer, and on stop. `admin` (connected, and closed by the caller) reads the lag of partitions as they are
 * assigned.
 */
export function createConsumerLoop(
  kafka: Kafka,
  admin: Admin,
  options: ConsumerLoopOptions,
  metrics: ConsumerMetrics,
  logger: Logger,
): ConsumerLoop {
  const { topic } = options;
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
  let running = false;
  // Why this process is not consuming now; undefined while it is a member of the group.
  let notMember: string | undefined = `joining group ${options.groupId}`;
  // stop() may come while start() still connects (a signal during start-up): then start() must not go on.
  let stopRequested = false;
  const lag = createLagTracker({
    admin,
    topic,
    groupId: options.groupId,
    fromBeginning: options.fromBeginning,
    lag: metrics.lag,
  });
  const committer = createOffsetCommitter({
    topic,
    delayMs: options.durabilityDelayMs,
    seek: (partition, offset) => consumer.seek({ topic, partition, offset }),
    ...(options.probeCassandra ? { probe: options.probeCassandra } : {}),
    metrics,
    logger,
  });
  const commitThroughConsumer: CommitFn = (offsets) =>
    consumer.commitOffsets(offsets.map((o) => ({ topic, ...o })));

  const readLag = (all: boolean, what: string) =>
    lag
      .read(all, () => !stopRequested && (!all || paused))
      .catch((error: unknown) => logger.warn({ err: error }, `could not read the lag ${what}`));

  /** Pauses or resumes fetching for the whole topic (kafkajs keeps a pause across rebalances). */
  function setPaused(next: boolean, reason = 'the dependency is back'): void {
    if (next === paused) return;
    try {
      if (next) consumer.pause([{ topic }]);
      else consumer.resume([{ topic }]);
    } catch (error) {
      // Between a crash and kafkajs's restart there is no group to pause; the next retry tries again.
      logger.warn({ err: error, topic }, `could not ${next ? 'pause' : 'resume'} fetching`);
      return;
    }
    paused = next;
    metrics.paused.set(next ? 1 : 0);
    clearInterval(pausedLagTimer);
    pausedLagTimer = undefined;
    if (next) {
      pausedLagTimer = setInterval(() => void readLag(true, 'while paused'), PAUSED_LAG_REFRESH_MS);
      pausedLagTimer.unref();
      logger.warn({ topic }, 'pausing fetches until the dependency is back');
    } else {
      logger.info({ topic, reason }, 'resuming fetches');
    }
  }

  /** This member now owns `partitions` (none after a crash): lag series and commit bookkeeping start over. */
  function assign(partitions: readonly number[]): void {
    lag.assign(partitions);
    committer.assign(partitions);
  }

  consumer.on(consumer.events.REBALANCING, () => {
    if (!stopRequested) notMember = `rebalancing group ${options.groupId}`;
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    if (!stopRequested) notMember = undefined;
    assign(payload.memberAssignment[topic] ?? []);
    logger.info(
      { memberId: payload.memberId, assignment: payload.memberAssignment },
      'joined consumer group',
    );
    // Only the gauge waits for the next batch; consuming goes on.
    void readLag(false, 'of the assigned partitions');
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

  /** One batch through `handle`: lag and commit bookkeeping around it, then a commit of what is durable. */
  async function eachBatch(payload: EachBatchPayload, handle: (batch: BatchContext) => Promise<void>) {
    const { batch } = payload;
    // Fetched before a rewind's seek: its partition is read again from the committed offset instead.
    if (payload.isStale()) return;
    const first = batch.isEmpty() ? undefined : Number(batch.firstOffset());
    const generation = committer.generation;
    lag.batchStarted(batch.partition, first, Number(batch.offsetLagLow()));
    committer.batchStarted(batch.partition, first);
    let resolved: string | undefined;
    try {
      await handle({
        topic: batch.topic,
        partition: batch.partition,
        messages: batch.messages,
        resolveOffset: (offset) => {
          resolved = offset;
          payload.resolveOffset(offset);
          committer.resolved(batch.partition, Number(offset), generation);
        },
        heartbeat: () => payload.heartbeat(),
        shouldContinue: () => running && payload.isRunning() && !payload.isStale(),
        superseded: () => generation !== committer.generation,
      });
      // Behind what was written (a batch cut short by a rebalance or a stop is fetched again).
      if (resolved !== undefined) {
        lag.batchResolved(batch.partition, Number(batch.highWatermark), Number(resolved));
      }
    } catch (error) {
      // A batch that gave up while waiting for a dependency (a rebalance, a stop) will never resume
      // fetching itself, and a paused topic gets no new batch to do it: resume here. If the dependency
      // is still down, the next batch pauses again.
      setPaused(false, 'the pausing batch gave up');
      throw error;
    } finally {
      committer.batchEnded(batch.partition);
    }
    // Through the batch's own payload: it still commits while kafkajs stops (the consumer's refuses then).
    await committer
      .commitDue((offsets) => payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: offsets }] }))
      .catch((error: unknown) => logger.debug({ err: error }, 'could not commit the durable offsets'));
  }

  return {
    consumer,
    async start(handle, fatal) {
      onFatal = fatal;
      await consumer.connect();
      if (stopRequested) return;
      await consumer.subscribe({ topic, fromBeginning: options.fromBeginning });
      if (stopRequested) return;
      running = true;
      if (options.durabilityDelayMs > 0) {
        committer.startTimer(commitThroughConsumer, commitIntervalMs(options.durabilityDelayMs));
      }
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConcurrently,
        eachBatch: (payload) => eachBatch(payload, handle),
      });
    },
    checkMembership: () =>
      notMember === undefined ? Promise.resolve() : Promise.reject(new Error(notMember)),
    setPaused,
    rewind: (reason) => committer.rewind(reason),
    async stop() {
      stopRequested = true;
      notMember = 'stopping';
      clearInterval(pausedLagTimer);
      committer.stopTimer();
      // What is durable already; the in-flight batches commit theirs as they end. A commit that kafkajs
      // keeps retrying must not hold the stop: the next owner then reads a little more again.
      if (running) {
        await Promise.race([
          committer.commitDue(commitThroughConsumer),
          new Promise((resolve) => setTimeout(resolve, STOP_COMMIT_WAIT_MS).unref()),
        ]).catch((error: unknown) => logger.warn({ err: error }, 'could not commit the durable offsets'));
      }
      running = false;
      await consumer.disconnect();
    },
  };
}
