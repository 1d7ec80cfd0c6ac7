// Kafka helpers on the local stack: clients, Kafka's own tools, topics and consumer-group offsets.
import { spawn } from 'node:child_process';
import { Kafka, logLevel, type Admin, type ITopicConfig, type KafkaMessage } from 'kafkajs';
import { registerZstdCodec } from '@userstream/shared/kafka';
import { uniqueName } from './names.ts';
import { REPO_ROOT } from './paths.ts';
import { watchProcess } from './resources.ts';
import { stack } from './stack.ts';
import { waitFor } from './wait.ts';

/** A kafkajs client for the stack's broker (or `brokers`), silent; it reads zstd, the producer's default. */
export function kafkaClient(brokers = stack.KAFKA_BROKERS): Kafka {
  registerZstdCodec();
  return new Kafka({ clientId: 'it', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

/** What a Kafka tool run printed, how it ended, and the CPU its process used (user + system, seconds). */
export interface KafkaToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
  cpuSeconds: number;
}

/** Runs one of Kafka's tool classes on the broker's classpath (scripts/stack.sh kafka-class). */
export function kafkaTool(args: string[]): Promise<KafkaToolResult> {
  return new Promise((resolve) => {
    // stack.sh execs the JVM, so the child's pid is the tool's own process.
    const child = spawn('bash', ['scripts/stack.sh', 'kafka-class', ...args], { cwd: REPO_ROOT });
    const watch = watchProcess(child.pid!, 100);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr, cpuSeconds: watch.stop().cpuSeconds }));
  });
}

/** Reads `count` messages of `topic` from the beginning with a throwaway consumer group. */
export async function readTopic(topic: string, count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const consumer = kafkaClient().consumer({ groupId: uniqueName('reader') });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        messages.push(message);
        return Promise.resolve();
      },
    });
    await waitFor(
      `${count} messages on ${topic}`,
      () => Promise.resolve(messages.length >= count ? true : undefined),
      timeoutMs,
    );
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Runs `work` with a connected admin client of the stack's broker (or `brokers`), disconnected after. */
async function withAdmin<T>(work: (admin: Admin) => Promise<T>, brokers = stack.KAFKA_BROKERS): Promise<T> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates `topics` on the local stack's broker and waits for their leaders. */
export async function createTopics(topics: ITopicConfig[]): Promise<void> {
  await withAdmin((admin) => admin.createTopics({ topics, waitForLeaders: true }));
}

/** Deletes those of `topics` that exist (the others are skipped, not an error). */
export async function deleteTopics(topics: Iterable<string>): Promise<void> {
  await withAdmin(async (admin) => {
    const existing = new Set(await admin.listTopics());
    const present = [...topics].filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  });
}

/** Sum of the high watermarks of `topic`: how many messages it holds. */
export async function topicSize(topic: string, brokers = stack.KAFKA_BROKERS): Promise<number> {
  return withAdmin(async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }, brokers);
}

/** Committed offsets of `groupId` on `topic`, by partition (-1 when nothing is committed). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  return withAdmin(async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  });
}

/**
 * True once `groupId` has committed up to `ends` (the topic's end offsets) on every partition of `topic`;
 * on an open `admin`, for callers that poll often.
 */
export async function committedToEnd(
  admin: Admin,
  groupId: string,
  topic: string,
  ends: Awaited<ReturnType<Admin['fetchTopicOffsets']>>,
): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends.every((end) => Number(end.high) === 0 || byPartition.get(end.partition) === Number(end.high));
}

/** True once `groupId` has committed up to the end of every partition of `topic` (on `brokers`). */
export async function caughtUp(
  groupId: string,
  topic: string,
  brokers = stack.KAFKA_BROKERS,
): Promise<boolean> {
  return withAdmin(
    async (admin) => committedToEnd(admin, groupId, topic, await admin.fetchTopicOffsets(topic)),
    brokers,
  );
}
