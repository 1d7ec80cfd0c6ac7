import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

/** Per partition, the offsets to read: from `start` (inclusive) to `end` (exclusive). */
export type OffsetRange = Map<number, { start: number; end: number }>;

/**
 * The topic's offsets per partition: `low` the earliest retained, `high` the next to be written. A missing
 * topic is an error at once (kafkajs would retry its metadata request for a minute).
 */
export async function topicOffsets(
  admin: Admin,
  topic: string,
): Promise<Map<number, { low: number; high: number }>> {
  if (!(await admin.listTopics()).includes(topic)) {
    throw new Error(
      `topic ${topic} does not exist (the producer and the consumer create it when they start)`,
    );
  }
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(
    offsets
      .sort((a, b) => a.partition - b.partition)
      .map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]),
  );
}

/**
 * Reads the messages of `topic` in `ranges` and calls `onMessage` for each, in offset order per partition;
 * resolves when every partition has reached its end. It reads through a consumer group of its own that
 * commits nothing and is deleted afterwards. Gives up when no message arrives for `idleTimeoutMs`.
 */
export async function readRange(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  ranges: OffsetRange,
  onMessage: (partition: number, message: KafkaMessage) => void,
  idleTimeoutMs = 30_000,
): Promise<void> {
  const pending = new Set([...ranges].filter(([, r]) => r.start < r.end).map(([partition]) => partition));
  if (pending.size === 0) return;
  const groupId = `userstream-cli-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let finish: () => void = () => undefined;
  let lastProgress = Date.now();
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        lastProgress = Date.now();
        const range = ranges.get(batch.partition);
        if (!range || !pending.has(batch.partition)) return;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          // A batch fetched before the seek took effect may start earlier: skip what is out of range.
          if (offset >= range.start && offset < range.end) onMessage(batch.partition, message);
        }
        if (Number(batch.lastOffset()) >= range.end - 1) {
          pending.delete(batch.partition);
          if (pending.size === 0) finish();
        }
        await Promise.resolve();
      },
    });
    for (const partition of pending) {
      consumer.seek({ topic, partition, offset: String(ranges.get(partition)!.start) });
    }
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setInterval(() => {
        if (Date.now() - lastProgress < idleTimeoutMs) return;
        const left = [...pending].join(', ');
        reject(
          new Error(
            `reading ${topic} stalled for ${idleTimeoutMs} ms: partitions ${left} did not reach their end`,
          ),
        );
      }, 250);
    });
    await Promise.race([done, stalled]).finally(() => clearInterval(timer));
  } finally {
    await consumer.disconnect();
    // Best effort: an empty group expires by itself anyway.
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
