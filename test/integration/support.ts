// Helpers for the integration tests: they run the real services as processes against the real local stack
// (npm run stack:up), each test with its own topic, consumer group and keyspace.
import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel, type Admin, type ITopicConfig, type KafkaMessage } from 'kafkajs';
import { effective, execForm, readDockerfile } from '../docker/dockerfile.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The local stack's endpoints, as `npm run stack:env` prints them (overridable by the environment). */
export const stack = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  CASSANDRA_CONTACT_POINTS: process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042',
  CASSANDRA_LOCAL_DC: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
};

/** A name unique to this test run, valid as a topic, group, keyspace or table name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** The per-test names the services are pointed at. */
export function freshNames(prefix: string) {
  const base = uniqueName(prefix);
  return {
    KAFKA_TOPIC: `${base}_users`,
    KAFKA_DLQ_TOPIC: `${base}_users.dlq`,
    CONSUMER_GROUP_ID: `${base}_group`,
    CASSANDRA_KEYSPACE: base,
    CASSANDRA_TABLE: 'users',
  };
}

export function kafkaClient(brokers = stack.KAFKA_BROKERS): Kafka {
  return new Kafka({ clientId: 'it', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function cassandraClient(): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: stack.CASSANDRA_CONTACT_POINTS.split(','),
    localDataCenter: stack.CASSANDRA_LOCAL_DC,
  });
  await client.connect();
  return client;
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined, or fails after `timeoutMs`
 * naming `what` (a function is called only then, so that it can describe the state at the timeout).
 */
export async function waitFor<T>(
  what: string | (() => string),
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Runs one of Kafka's tool classes on the broker's classpath (scripts/stack.sh kafka-class). */
export function kafkaTool(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['scripts/stack.sh', 'kafka-class', ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every row of `keyspace.table`, as plain objects. */
export async function allRows(
  client: cassandra.Client,
  keyspace: string,
  table = 'users',
): Promise<cassandra.types.Row[]> {
  const rows: cassandra.types.Row[] = [];
  await new Promise<void>((resolve, reject) => {
    client.eachRow(
      `SELECT * FROM ${keyspace}.${table}`,
      [],
      { prepare: true, autoPage: true, fetchSize: 5_000 },
      (_n, row) => rows.push(row),
      (error) => (error ? reject(error) : resolve()),
    );
  });
  return rows;
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

/** Creates `topics` on the local stack's broker and waits for their leaders. */
export async function createTopics(topics: ITopicConfig[]): Promise<void> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the high watermarks of `topic`: how many messages it holds. */
export async function topicSize(topic: string, brokers = stack.KAFKA_BROKERS): Promise<number> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of `groupId` on `topic`, by partition (-1 when nothing is committed). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
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
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    return await committedToEnd(admin, groupId, topic, await admin.fetchTopicOffsets(topic));
  } finally {
    await admin.disconnect();
  }
}

/** A service started as its own Node.js process, with its output kept for assertions. */
export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const started = new Set<ChildProcess>();

/** SIGKILLs every service a test started and left running (after a failed assertion), so the file can end. */
export async function killLeftovers(): Promise<void> {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  started.clear();
}

/** The node flags and script the image's CMD gives a service (docker/Dockerfile), e.g. heap limits. */
export function imageCommand(name: string): string[] {
  const cmd = effective(readDockerfile(), name, 'CMD');
  const argv = cmd ? execForm(cmd.args) : undefined;
  if (!argv || argv[0] !== 'node') throw new Error(`docker/Dockerfile: no exec-form node CMD for ${name}`);
  return argv.slice(1);
}

/**
 * Starts `services/<name>/src/main.ts` with the stack's settings plus `env`; with USERSTREAM_RUN_BUILT=1
 * (the benchmark sets it) the built service runs instead, exactly as the image's CMD starts it.
 */
export function startService(
  name: 'producer' | 'consumer' | 'status',
  env: Record<string, string>,
  args: string[] = [],
): ServiceProcess {
  const entry =
    process.env.USERSTREAM_RUN_BUILT === '1'
      ? imageCommand(name)
      : ['--conditions=source', `services/${name}/src/main.ts`];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...stack, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => output,
    exited,
    waitForOutput: (pattern, timeoutMs = 60_000) =>
      waitFor(
        // The output as it is at the timeout, not as it was when the wait began.
        () => `${name} to log ${String(pattern)}\n--- ${name} output ---\n${output.slice(-3_000)}`,
        () => Promise.resolve(pattern.test(output) ? true : undefined),
        timeoutMs,
      ).then(() => undefined),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        // A signal that lands before the service installs its handlers would kill it outright; the
        // handlers are installed right after the "starting" line (logged at info; don't wait forever for it).
        await waitFor(
          `${name} to install its signal handlers`,
          () =>
            Promise.resolve(
              /"msg":"starting (producer|consumer|status)"/.test(output) ||
                child.exitCode !== null ||
                child.signalCode !== null
                ? true
                : undefined,
            ),
          10_000,
        ).catch(() => undefined);
        child.kill(signal);
      }
      return exited;
    },
  };
}

/** The port a service's ops server bound (HTTP_PORT=0), read from its "ops server listening" log line. */
export async function opsPort(service: ServiceProcess): Promise<number> {
  await service.waitForOutput(/"msg":"ops server listening"/);
  const match = /"port":(\d+)[^\n]*"msg":"ops server listening"/.exec(service.output());
  if (!match) throw new Error('no ops port in the service output');
  return Number(match[1]);
}

/**
 * Runs the real producer once (`--once`) with `env`, publishing `count` users of `seed` (the producer's
 * default seed when undefined) from the source at `sourceUrl`; fails unless it exits 0.
 */
export async function produceUsers(
  env: Record<string, string>,
  sourceUrl: string,
  seed: string | undefined,
  count: number,
): Promise<ServiceProcess> {
  const producer = startService(
    'producer',
    {
      ...env,
      RANDOMUSER_URL: sourceUrl,
      ...(seed === undefined ? {} : { RANDOMUSER_SEED: seed }),
      PRODUCER_BATCH_SIZE: String(count),
    },
    ['--once'],
  );
  assert.equal(await producer.exited, 0, producer.output().slice(-3_000));
  return producer;
}
