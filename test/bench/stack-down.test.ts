// With the stack down, the bench says in one line to start it and exits non-zero, instead of a driver's
// stack trace. No servers: every endpoint points at a port nothing listens on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { freePort, REPO_ROOT } from '../../dev/index.ts';
import { stackDownMessage } from '../../bench/run.ts';

const endpointsAt = (port: number) => ({
  KAFKA_BROKERS: `127.0.0.1:${port}`,
  SCHEMA_REGISTRY_URL: `http://127.0.0.1:${port}/apis/ccompat/v7`,
  CASSANDRA_CONTACT_POINTS: `127.0.0.1:${port}`,
  CASSANDRA_LOCAL_DC: 'datacenter1',
});

test('npm run bench with the stack down prints one line naming npm run stack:up and exits 1', async () => {
  const port = await freePort();
  const result = spawnSync(process.execPath, ['--conditions=source', 'bench/run.ts', '--quick'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...endpointsAt(port) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 1, result.stderr);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /Kafka \(127\.0\.0\.1:\d+\) does not answer.*`npm run stack:up`/);
});

test('the stack check names the first server that does not answer, and nothing when all do', async () => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const open = (server.address() as AddressInfo).port;
    const closed = await freePort();
    assert.equal(await stackDownMessage(endpointsAt(open)), undefined);
    const message = await stackDownMessage({
      ...endpointsAt(open),
      CASSANDRA_CONTACT_POINTS: `127.0.0.1:${closed}`,
    });
    assert.match(
      message ?? '',
      new RegExp(`^bench: Cassandra \\(127\\.0\\.0\\.1:${closed}\\) does not answer`),
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
