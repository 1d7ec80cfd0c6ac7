// What the figures were measured on: the machine, the versions, and the settings the services ran with.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type cassandra from 'cassandra-driver';
import { loadConsumerConfig } from '@userstream/consumer';
import { loadProducerConfig } from '@userstream/producer';
import { REPO_ROOT, stack, stackServerPid } from '../dev/index.ts';
import type { BenchSettings } from './settings.ts';

/** The machine and versions a run measured. */
export interface Machine {
  cpus: string;
  memoryGiB: number;
  node: string;
  java: string;
  javaOf: string;
  kafka: string | undefined;
}

const firstLine = (text: string) => text.split('\n')[0] ?? '';

/**
 * The Java the Kafka broker runs on (scripts/stack.sh starts the servers with the Java 17 it finds, whatever
 * `java` is on PATH); PATH's `java` when there is no running stack broker.
 */
function javaVersion(): { java: string; javaOf: string } {
  const pid = stackServerPid('kafka');
  if (pid !== undefined) {
    const result = spawnSync(`/proc/${pid}/exe`, ['-version'], { encoding: 'utf8' });
    const java = result.error ? '' : firstLine(result.stderr);
    if (java) return { java, javaOf: `the Kafka broker (pid ${pid})` };
  }
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return { java: result.error ? '' : firstLine(result.stderr), javaOf: 'java on PATH' };
}

/** This machine: CPUs, memory, Node, the broker's Java and the stack's Kafka version. */
export function machine(): Machine {
  const kafka =
    process.env.KAFKA_VERSION ??
    /KAFKA_VERSION \[([^\]]+)\]/.exec(
      spawnSync('bash', ['-c', "sed -n '1,60p' scripts/stack.sh"], { cwd: REPO_ROOT, encoding: 'utf8' })
        .stdout,
    )?.[1];
  return {
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    ...javaVersion(),
    kafka,
  };
}

/** The Cassandra server's release. */
export async function cassandraVersion(db: cassandra.Client): Promise<string> {
  return String(
    (await db.execute('SELECT release_version FROM system.local')).first().get('release_version'),
  );
}

/** The settings the services run with, parsed as they parse them: the environment may change them. */
export function pipelineSettings(settings: BenchSettings) {
  const env = { ...process.env, ...stack };
  const producer = loadProducerConfig({
    ...env,
    ...settings.producerPinned,
    PRODUCER_PAGE_SIZE: String(settings.producerPageSize),
  });
  const consumer = loadConsumerConfig(env);
  return {
    compression: producer.KAFKA_COMPRESSION,
    sendChunk: producer.KAFKA_SEND_CHUNK,
    pageSize: producer.PRODUCER_PAGE_SIZE,
    latencyPageSize: settings.latencyRunSize,
    topicPartitions: producer.KAFKA_TOPIC_PARTITIONS,
    // The bench sets its own group per run; every other CONSUMER_* setting comes from the environment or
    // its default.
    consumer: Object.fromEntries(
      Object.entries(consumer).filter(([key]) => key.startsWith('CONSUMER_') && key !== 'CONSUMER_GROUP_ID'),
    ),
    consumerSetInEnvironment: Object.keys(process.env)
      .filter((key) => key.startsWith('CONSUMER_'))
      .sort(),
  };
}
