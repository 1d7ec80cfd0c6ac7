// The local stack (scripts/stack.sh): its endpoints, its servers' pids, and whether it answers at all.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tcpAnswers } from './net.ts';
import { REPO_ROOT } from './paths.ts';

/** The local stack's endpoints, as `npm run stack:env` prints them (overridable by the environment). */
export const stack = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  CASSANDRA_CONTACT_POINTS: process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042',
  CASSANDRA_LOCAL_DC: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
};

/** The local stack's endpoints. */
export type StackEndpoints = typeof stack;

/** The variables `scripts/stack.sh env` exports (the stack's endpoints for its current ports). */
export function stackEnv(): Record<string, string> {
  const result = spawnSync('bash', ['scripts/stack.sh', 'env'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`stack.sh env failed: ${result.stderr}`);
  const env: Record<string, string> = {};
  for (const match of result.stdout.matchAll(/^export (\w+)=["']?([^"'\n]*)["']?$/gm))
    env[match[1]!] = match[2]!;
  return env;
}

/** A server of the local stack, as scripts/stack.sh names it. */
export type StackServer = 'kafka' | 'registry' | 'cassandra';

/**
 * The pid of a running stack server, from its pid file under STACK_HOME/run; undefined when the file is
 * missing or names another process (a stale pid file: only a command line with -Dstack.server counts).
 */
export function stackServerPid(server: StackServer): number | undefined {
  const stackHome = path.resolve(process.env.STACK_HOME ?? path.join(REPO_ROOT, '.stack'));
  try {
    const pid = Number(readFileSync(path.join(stackHome, 'run', `${server}.pid`), 'utf8').trim());
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(`-Dstack.server=${server}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** host:port of the first address in a comma-separated list, `defaultPort` when it has none. */
function firstAddress(list: string, defaultPort: number): { host: string; port: number } {
  const first = list.split(',')[0]!.trim();
  const match = /^(.*):(\d+)$/.exec(first);
  return match ? { host: match[1]!, port: Number(match[2]) } : { host: first, port: defaultPort };
}

/** The first stack server (named, with its address) that does not accept connections; undefined when all do. */
export async function unreachableStackServer(endpoints: StackEndpoints = stack): Promise<string | undefined> {
  const registry = new URL(endpoints.SCHEMA_REGISTRY_URL);
  const servers: [string, { host: string; port: number }][] = [
    ['Kafka', firstAddress(endpoints.KAFKA_BROKERS, 9092)],
    ['the schema registry', { host: registry.hostname, port: Number(registry.port || 80) }],
    ['Cassandra', firstAddress(endpoints.CASSANDRA_CONTACT_POINTS, 9042)],
  ];
  for (const [name, { host, port }] of servers)
    if (!(await tcpAnswers(host, port))) return `${name} (${host}:${port})`;
  return undefined;
}
