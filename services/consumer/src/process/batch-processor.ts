import type { KafkaMessage } from 'kafkajs';
import { DecodeError, describeError, WriteError } from '@userstream/shared/errors';
import type { Logger } from '@userstream/shared/observability';
import { backoffDelay, sleep } from '@userstream/shared/lifecycle';
import type { UserRecord } from '@userstream/shared/record';
import type { CassandraSink, RowToWrite } from '../write/cassandra-sink.ts';
import { isNodeLossError } from '../write/write-errors.ts';
import type { MessageDecoder } from '../decode/message-decoder.ts';
import type { DeadLetter, DlqPublisher } from '../deadletter/dlq-publisher.ts';
import type { ConsumerMetrics } from '../metrics.ts';

/** What the processor needs from the Kafka batch it is handed (a subset of kafkajs's eachBatch payload). */
export interface BatchContext {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** Marks every message up to and including `offset` as done; committed by the consumer loop. */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was taken away: stop retrying then. */
  shouldContinue(): boolean;
  /**
   * True once a rewind or a rejoin will read this batch's partition again from its committed offset: the
   * batch stops between chunks (not while waiting for a dependency, which would fail the batch).
   */
  superseded?(): boolean;
}

export interface ProcessorDependencies {
  decoder: MessageDecoder;
  sink: CassandraSink;
  dlq: DlqPublisher;
  metrics: ConsumerMetrics;
  logger: Logger;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Messages decoded and written at a time: bounds memory, and lets offsets advance within a big batch. */
  chunkSize: number;
  /** How often to heartbeat while a write, a registry lookup or a dead-letter send is awaited. */
  heartbeatEveryMs: number;
  /**
   * Called with true and what failed while a dependency is down (the loop pauses fetching), with false
   * when it is back.
   */
  onUnavailable(unavailable: boolean, reason?: string): void;
  /** Called when writes failed because a Cassandra node went away: it may have lost acknowledged writes. */
  onNodeLoss(reason: string): void;
}

/** Thrown when the consumer stops while a dependency is still down: nothing past the last write is resolved. */
export class StoppedWhileRetrying extends Error {
  constructor() {
    super('stopped while waiting for a dependency; unwritten records stay uncommitted');
    this.name = 'StoppedWhileRetrying';
  }
}

/**
 * Processes one partition's batch: decode and validate every message, write the good ones, dead-letter the
 * bad ones, and only then resolve the batch's offsets. Transient failures (Cassandra or the registry
 * unavailable) are retried with backoff, never dead-lettered, and never skipped.
 */
export async function processBatch(deps: ProcessorDependencies, batch: BatchContext): Promise<void> {
  for (let start = 0; start < batch.messages.length; start += deps.chunkSize) {
    // Stopping or rebalanced: what is resolved so far gets committed; the rest is fetched again later.
    if (start > 0 && (!batch.shouldContinue() || batch.superseded?.())) return;
    await processChunk(deps, batch, batch.messages.slice(start, start + deps.chunkSize));
  }
}

/** Decode, validate, write, dead-letter, then resolve: one chunk of a partition's batch, in order. */
async function processChunk(
  deps: ProcessorDependencies,
  batch: BatchContext,
  messages: KafkaMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  deps.metrics.consumed.inc(messages.length);

  const rows: RowToWrite[] = [];
  const rowMessages: KafkaMessage[] = [];
  const letters: DeadLetter[] = [];
  const letterFor = (message: KafkaMessage, error: unknown): DeadLetter => ({
    key: message.key,
    value: message.value,
    headers: message.headers,
    source: {
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      timestamp: message.timestamp,
    },
    error,
  });

  // Decode and validate.
  for (const message of messages) {
    // Values whose schema is cached decode without a promise; the first of a schema id waits for the registry.
    const record =
      decodeCachedOrError(deps.decoder, message.value) ??
      (await retryTransient(deps, batch, 'decode', () => decodeOrError(deps.decoder, message.value)));
    if (record instanceof Error) {
      letters.push(letterFor(message, record));
    } else {
      rows.push({ record, partition: batch.partition, offset: message.offset });
      rowMessages.push(message);
    }
  }

  // Write; rows that failed transiently are retried until they are written or turn out permanent.
  const timer = deps.metrics.batchWriteDuration.startTimer();
  let pending = rows.map((_, index) => index);
  for (let attempt = 0; pending.length > 0; attempt++) {
    const outcome = await heartbeating(deps, batch, deps.sink.write(pending.map((index) => rows[index]!)));
    // Each row's latency ends when its own request was acknowledged, not when the whole chunk was.
    outcome.written.forEach((at, k) => {
      const message = rowMessages[pending[at]!]!;
      deps.metrics.latency.observe(Math.max(0, outcome.writtenAt[k]! - Number(message.timestamp)) / 1000);
    });
    deps.metrics.written.inc(outcome.written.length);
    for (const { index, error } of outcome.permanent) {
      const refused = new WriteError(`Cassandra refused the row: ${describeError(error)}`, {
        cause: error,
        permanent: true,
      });
      letters.push(letterFor(rowMessages[pending[index]!]!, refused));
    }
    const retry = outcome.transient.map(({ index }) => pending[index]!);
    const lost = outcome.transient.find(({ error }) => isNodeLossError(error));
    if (lost) deps.onNodeLoss(`writes failed: ${describeError(lost.error)}`);
    if (retry.length > 0) {
      const first = outcome.transient[0]!.error;
      await waitBeforeRetry(deps, batch, 'write', attempt, `${retry.length} rows: ${describeError(first)}`);
    } else if (attempt > 0) {
      deps.onUnavailable(false);
    }
    pending = retry;
  }
  timer();

  // Dead-letter what cannot be processed, in offset order; kafkajs retries the send itself.
  if (letters.length > 0) {
    letters.sort((a, b) => Number(BigInt(a.source.offset) - BigInt(b.source.offset)));
    await heartbeating(deps, batch, deps.dlq.send(letters));
    for (const letter of letters) {
      const stage = (letter.error as { stage?: string }).stage ?? 'unknown';
      const errorClass = letter.error instanceof Error ? letter.error.name : 'unknown';
      deps.metrics.deadLettered.inc({ stage, error: errorClass });
      deps.logger.warn(
        { ...letter.source, stage, error: describeError(letter.error) },
        'message sent to the dead-letter topic',
      );
    }
  }

  // Every message of the chunk, and so every earlier one of the partition, is written or dead-lettered.
  batch.resolveOffset(messages[messages.length - 1]!.offset);
  await batch.heartbeat();
}

/** Decodes one value; permanent failures come back as the error (to dead-letter), transient ones throw. */
async function decodeOrError(decoder: MessageDecoder, value: Buffer | null): Promise<UserRecord | Error> {
  try {
    return await decoder.decode(value);
  } catch (error) {
    if (error instanceof DecodeError && !error.permanent) throw error;
    return asError(error);
  }
}

/** decodeOrError without waiting: undefined when the schema is not cached yet (or a lookup must be retried). */
function decodeCachedOrError(decoder: MessageDecoder, value: Buffer | null): UserRecord | Error | undefined {
  try {
    return decoder.decodeCached(value);
  } catch (error) {
    if (error instanceof DecodeError && !error.permanent) return undefined;
    return asError(error);
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * Awaits `work` while heartbeating: a slow write (the driver's timeouts, a retry), registry lookup or
 * dead-letter send must not cost the group membership. kafkajs sends at most one heartbeat per interval.
 */
async function heartbeating<T>(
  deps: ProcessorDependencies,
  batch: BatchContext,
  work: Promise<T>,
): Promise<T> {
  // A failed heartbeat (say, a rebalance under way) is left to the next one the batch makes itself.
  const timer = setInterval(() => void batch.heartbeat().catch(() => undefined), deps.heartbeatEveryMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

async function retryTransient<T>(
  deps: ProcessorDependencies,
  batch: BatchContext,
  stage: string,
  action: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await heartbeating(deps, batch, action());
      if (attempt > 0) deps.onUnavailable(false);
      return result;
    } catch (error) {
      await waitBeforeRetry(deps, batch, stage, attempt, describeError(error));
    }
  }
}

async function waitBeforeRetry(
  deps: ProcessorDependencies,
  batch: BatchContext,
  stage: string,
  attempt: number,
  reason: string,
): Promise<void> {
  if (!batch.shouldContinue()) throw new StoppedWhileRetrying();
  deps.onUnavailable(true, `${stage}: ${reason}`);
  deps.metrics.retries.inc({ stage });
  const delay = backoffDelay(attempt, deps.retryBaseMs, deps.retryMaxMs);
  deps.logger.warn(
    { topic: batch.topic, partition: batch.partition, stage, attempt: attempt + 1, delayMs: delay },
    `transient failure, retrying: ${reason}`,
  );
  // Sleep in short slices with heartbeats, so a long outage does not cost the group membership.
  const until = Date.now() + delay;
  while (Date.now() < until) {
    await sleep(Math.min(1_000, until - Date.now()));
    await batch.heartbeat();
    if (!batch.shouldContinue()) throw new StoppedWhileRetrying();
  }
}
