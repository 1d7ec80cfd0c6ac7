// scripts/stack.sh's cluster mode without starting servers: the remembered layout, `env`, `pid` and `up <node>`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStack, show } from './stack-runner.ts';

test('a STACK_HOME in cluster mode prints 3 brokers, 3 contact points and the replication settings', async () => {
  const home = await mkdtemp(join(tmpdir(), 'stack-cluster-'));
  try {
    await writeFile(join(home, 'layout'), 'cluster\n');
    const env = { STACK_HOME: home, KAFKA_PORT: '26092', CASSANDRA_PORT: '26042' };
    const printed = await runStack(['env'], env);
    assert.equal(printed.code, 0, show(printed));
    for (const line of [
      'export KAFKA_BROKERS=127.0.0.1:26092,127.0.0.2:26092,127.0.0.3:26092',
      'export KAFKA_REPLICATION_FACTOR=3',
      'export KAFKA_MIN_INSYNC_REPLICAS=2',
      'export CASSANDRA_CONTACT_POINTS=127.0.0.1:26042,127.0.0.2:26042,127.0.0.3:26042',
      `export CASSANDRA_REPLICATION="{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}"`,
      'export CASSANDRA_CONSISTENCY=local_quorum',
    ])
      assert.ok(printed.stdout.split('\n').includes(line), `missing ${line}\n${show(printed)}`);

    const down = await runStack(['pid', 'kafka', '2'], env);
    assert.equal(down.code, 1, show(down));
    assert.match(down.stderr, /kafka-2 is not running/);
    const beyond = await runStack(['pid', 'cassandra', '4'], env);
    assert.notEqual(beyond.code, 0);
    assert.match(beyond.stderr, /cassandra has nodes 1\.\.3, not 4/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('a single-node STACK_HOME keeps one broker, no replication settings, and refuses node names', async () => {
  const home = await mkdtemp(join(tmpdir(), 'stack-single-'));
  try {
    const env = { STACK_HOME: home, KAFKA_PORT: '26092' };
    const printed = await runStack(['env'], env);
    assert.equal(printed.code, 0, show(printed));
    assert.ok(printed.stdout.includes('export KAFKA_BROKERS=127.0.0.1:26092\n'), show(printed));
    assert.doesNotMatch(printed.stdout, /REPLICATION|MIN_INSYNC|CONSISTENCY/);
    const node = await runStack(['down', 'kafka-2'], env);
    assert.notEqual(node.code, 0);
    assert.match(node.stderr, /exist in cluster mode only/);
    const two = await runStack(['pid', 'kafka', '2'], env);
    assert.match(two.stderr, /kafka has one node here \(layout single\), not 2/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('up --cluster --secure is refused before anything starts, naming both ways out', async () => {
  const home = await mkdtemp(join(tmpdir(), 'stack-cluster-secure-'));
  try {
    const refused = await runStack(['up', '--cluster', '--secure'], { STACK_HOME: home });
    assert.notEqual(refused.code, 0, show(refused));
    assert.match(refused.stderr, /up --secure runs one node of each server, not a cluster/);
    assert.match(refused.stderr, /up --single --secure/);
    assert.doesNotMatch(refused.stdout, /starting/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
