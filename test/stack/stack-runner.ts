// Runs scripts/stack.sh with an environment of its own: the stack script's tests, and tests that need a
// Kafka of their own (to stop and restart it) without touching the shared stack.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = new URL('../../scripts/stack.sh', import.meta.url).pathname;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/stack.sh args` with `env` added to this process's environment. */
export function runStack(args: string[], env: Record<string, string>, timeoutMs = 240_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stack.sh ${args.join(' ')} took over ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A run's exit code and output, for assertion messages. */
export function show(run: Run): string {
  return `exit ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}

/**
 * Ports nothing listens on right now (bound on 127.0.0.1 and released), below Linux's ephemeral range
 * (32768 and up), so that an outgoing connection cannot take one before the server binds it.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  while (ports.length < count) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (ports.includes(candidate)) continue;
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(candidate, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    servers.push(server);
    ports.push(candidate);
  }
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A temporary STACK_HOME for a Kafka of a test's own: free ports, and no Kafka left behind. */
export interface KafkaHome {
  stackHome: string;
  /** The broker's client port. */
  port: number;
  /** stack.sh's environment for this broker (STACK_HOME, ports, a small heap). */
  env: Record<string, string>;
  /** Stops its Kafka if running, forgets the signal handlers, deletes the STACK_HOME. */
  remove(): Promise<void>;
}

/**
 * Makes a temporary STACK_HOME and picks Kafka's ports; until remove(), a run cut short (a signal, which
 * skips after() hooks) kills that Kafka by its recorded pid.
 */
export async function prepareKafkaHome(prefix: string): Promise<KafkaHome> {
  const stackHome = await mkdtemp(join(tmpdir(), prefix));
  const [port, controllerPort] = await freePorts(2);
  assert.ok(port && controllerPort);
  const env = {
    STACK_HOME: stackHome,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_HEAP: '256M',
  };
  const killOnSignal = () => {
    try {
      const pid = Number(readFileSync(join(stackHome, 'run', 'kafka.pid'), 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      // No pid file: nothing was started.
    }
    process.exit(1);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, killOnSignal);
  return {
    stackHome,
    port,
    env,
    remove: async () => {
      await runStack(['down', 'kafka'], env).catch(() => undefined);
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, killOnSignal);
      await rm(stackHome, { recursive: true, force: true });
    },
  };
}

/** A Kafka broker of a test's own, from scripts/stack.sh in a temporary STACK_HOME. */
export interface TemporaryKafka {
  /** host:port, for KAFKA_BROKERS. */
  brokers: string;
  /** Stops the broker (its data stays) and starts it again with `up`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its STACK_HOME. */
  remove(): Promise<void>;
}

/** Starts a Kafka broker of its own; a run cut short (a signal) kills it by its recorded pid. */
export async function startTemporaryKafka(): Promise<TemporaryKafka> {
  const home = await prepareKafkaHome('userstream-kafka-');
  const step = async (args: string[]) => {
    const run = await runStack(args, home.env);
    assert.equal(run.code, 0, show(run));
  };
  try {
    await step(['up', 'kafka']);
  } catch (error) {
    // No handle reaches the caller: stop whatever `up` started here.
    await home.remove();
    throw error;
  }
  return {
    brokers: `127.0.0.1:${home.port}`,
    stop: () => step(['down', 'kafka']),
    start: () => step(['up', 'kafka']),
    remove: () => home.remove(),
  };
}
