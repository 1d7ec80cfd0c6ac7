// Fault tests on the local cluster (`npm run stack:up -- --cluster`, then `eval "$(npm run -s stack:env)"`):
// 3 Kafka brokers (RF 3, min.insync.replicas 2) and 3 Cassandra nodes (RF 3, LOCAL_QUORUM), a steady flow
// from the producer into 2 (or 3) consumers, and one fault per test. Each test checks that every record is
// exactly one row, nothing is dead-lettered and no committed offset was ever ahead of the rows
// (cluster-run.ts), and reports the pause, the p99 produce -> row latency and the records re-delivered.
// Run by `npm run test:cluster` (scripts/ci/cluster-lane.sh in CI); each test restores the cluster.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRandomUserSource } from '@userstream/randomuser-source';
import { kafkaClient, killLeftovers, stack, stackEnv, waitFor } from '../integration/support.ts';
import { killNode, runFault, sleep, stackCommand, type Figures } from './cluster-run.ts';

function report(t: { diagnostic(message: string): void }, name: string, figures: Figures): void {
  t.diagnostic(
    `${name}: ${figures.produced} records -> ${figures.rows} rows; pause ${figures.pauseS.toFixed(1)} s; ` +
      `p99 produce->row ${figures.p99S.toFixed(2)} s; re-delivered ${figures.rewritten}; ` +
      `${figures.commitChecks} committed offsets checked against the rows`,
  );
}

/** A step as a diagnostic, and on stderr at once (a fault run lasts minutes). */
function progress(t: { diagnostic(message: string): void }, line: string): void {
  t.diagnostic(line);
  process.stderr.write(`${line}\n`);
}

/** The broker leading the most partitions of `topic`: its node id (1..3, the stack's node number). */
async function busiestLeader(topic: string): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const led = new Map<number, number>();
    for (const p of topics[0]!.partitions) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
    return [...led.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  } finally {
    await admin.disconnect();
  }
}

describe('faults on a 3-broker, 3-node cluster under a steady flow', () => {
  let source: Awaited<ReturnType<typeof startRandomUserSource>>;
  before(async () => {
    const env = stackEnv();
    assert.equal(env.KAFKA_REPLICATION_FACTOR, '3', 'start the cluster: npm run stack:up -- --cluster');
    assert.equal(stack.KAFKA_BROKERS.split(',').length, 3, 'eval "$(npm run -s stack:env)" first');
    assert.equal(process.env.KAFKA_MIN_INSYNC_REPLICAS, '2');
    assert.match(process.env.CASSANDRA_REPLICATION ?? '', /NetworkTopologyStrategy.*3/);
    source = await startRandomUserSource({ port: 0, host: '127.0.0.1' });
  });
  // A failed test must not leave a node down under the next one.
  afterEach(() => void stackCommand('up'));
  after(async () => {
    await killLeftovers();
    await source?.close();
  });

  test('(a) the broker leading most partitions is killed, and restarted 20 s later', async (t) => {
    const figures = await runFault(
      'broker',
      { consumers: 2, sourceUrl: source.url },
      async ({ names, flowing }) => {
        const node = await busiestLeader(names.KAFKA_TOPIC);
        t.diagnostic(`killing kafka-${node}`);
        killNode('kafka', node);
        await sleep(20_000);
        stackCommand('up', `kafka-${node}`);
        await flowing();
      },
      (line) => progress(t, line),
    );
    report(t, '(a) broker', figures);
  });

  test('(b) one Cassandra node is killed and restarted: LOCAL_QUORUM writes go on', async (t) => {
    const figures = await runFault(
      'one_node',
      { consumers: 2, sourceUrl: source.url },
      async ({ flowing }) => {
        killNode('cassandra', 3);
        await flowing(); // with the node down
        await sleep(10_000);
        stackCommand('up', 'cassandra-3');
        await flowing();
      },
      (line) => progress(t, line),
    );
    report(t, '(b) one Cassandra node', figures);
  });

  test('(c) two Cassandra nodes are killed: the consumers pause and say why; one back, the flow resumes', async (t) => {
    const figures = await runFault(
      'two_nodes',
      { consumers: 2, sourceUrl: source.url },
      async ({ flowing, notReadyBecause, pausedSeen }) => {
        killNode('cassandra', 2);
        killNode('cassandra', 3);
        const body = await notReadyBecause(/"writes":"[^"]*paused, retrying: write/);
        t.diagnostic(`/readyz while two nodes are down: ${body.slice(0, 400)}`);
        await waitFor('userstream_consumer_paused = 1', () =>
          Promise.resolve(pausedSeen() === 1 || undefined),
        );
        stackCommand('up', 'cassandra-2');
        await flowing(); // by itself, with 2 of 3 replicas
        stackCommand('up', 'cassandra-3');
      },
      (line) => progress(t, line),
    );
    report(t, '(c) two Cassandra nodes', figures);
  });

  test('(d) one of 3 consumer processes is killed mid-stream: the group rebalances', async (t) => {
    const figures = await runFault(
      'consumer',
      { consumers: 3, sourceUrl: source.url },
      async ({ members, flowing }) => {
        members[0]!.service.child.kill('SIGKILL');
        await members[0]!.service.exited;
        await flowing();
      },
      (line) => progress(t, line),
    );
    report(t, '(d) one consumer', figures);
  });
});
