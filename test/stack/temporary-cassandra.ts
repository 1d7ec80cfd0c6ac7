// A Cassandra node of a test's own (scripts/stack.sh in a temporary STACK_HOME), for tests that kill it
// with SIGKILL and start it again without touching the shared stack.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, runStack, show } from './stack-runner.ts';

/** A Cassandra node of a test's own. */
export interface TemporaryCassandra {
  /** host:port, for CASSANDRA_CONTACT_POINTS. */
  contactPoint: string;
  /** The node's pid now (from the stack's pid file). */
  pid(): number;
  /** SIGKILLs the node (no flush, no drain: what a crash or the OOM killer does) and waits until it is gone. */
  kill(): Promise<void>;
  /** SIGSTOPs the node: it keeps its sockets open and answers nothing, as a frozen or cut-off machine. */
  freeze(): void;
  /** Starts it again on the same data (its commit log is replayed) and waits until it answers CQL. */
  start(): Promise<void>;
  /** Stops it and deletes its STACK_HOME. */
  remove(): Promise<void>;
}

/**
 * Starts a Cassandra node of its own, with `env` added to stack.sh's (e.g. CASSANDRA_COMMITLOG_COMPRESSION);
 * a run cut short (a signal) kills it by its recorded pid.
 */
export async function startTemporaryCassandra(
  extraEnv: Record<string, string> = {},
): Promise<TemporaryCassandra> {
  const stackHome = await mkdtemp(join(tmpdir(), 'userstream-cassandra-'));
  const [port, storagePort, jmxPort] = await freePorts(3);
  assert.ok(port && storagePort && jmxPort);
  const env = {
    STACK_HOME: stackHome,
    CASSANDRA_PORT: String(port),
    CASSANDRA_STORAGE_PORT: String(storagePort),
    CASSANDRA_JMX_PORT: String(jmxPort),
    CASSANDRA_HEAP: '768M',
    ...extraEnv,
  };
  const pid = () => Number(readFileSync(join(stackHome, 'run', 'cassandra.pid'), 'utf8').trim());
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  const killOnSignal = () => {
    try {
      process.kill(pid(), 'SIGKILL');
    } catch {
      // Nothing started, or already gone.
    }
    process.exit(1);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, killOnSignal);
  const remove = async () => {
    await runStack(['down', 'cassandra'], env).catch(() => undefined);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, killOnSignal);
    await rm(stackHome, { recursive: true, force: true });
  };
  const start = async () => {
    const run = await runStack(['up', 'cassandra'], env, 300_000);
    assert.equal(run.code, 0, show(run));
  };
  try {
    await start();
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    contactPoint: `127.0.0.1:${port}`,
    pid,
    async kill() {
      const p = pid();
      process.kill(p, 'SIGKILL');
      while (alive(p)) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    freeze: () => process.kill(pid(), 'SIGSTOP'),
    start,
    remove,
  };
}
