// Readiness probe for the local stack, used by scripts/stack.sh (not by the services).
//
//   node scripts/stack/probe.ts <kafka|registry|cassandra> [--host H] --port N [--timeout SECONDS] [--pid PID] [--quiet]
//
// Asks the server a real question until it answers or the timeout runs out:
//   kafka      a metadata request (kafkajs admin: describeCluster)
//   registry   GET /apis/ccompat/v7/subjects answers 200
//   cassandra  SELECT ... FROM system.local over CQL (cassandra-driver)
// With --pid it gives up as soon as that process is gone. --timeout 0 means one attempt. In secure mode the
// stack passes the clients' settings (KAFKA_SSL, KAFKA_SASL_*, SCHEMA_REGISTRY_SSL_CA_FILE, CASSANDRA_SSL_*,
// user names and passwords or their _FILE) in the environment: they are parsed as the services parse them.
// Prints one line about the server on success. Exit status: 0 ready, 1 not ready in time, 2 the process
// exited, 64 bad usage.
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import cassandra from 'cassandra-driver';
import { z } from 'zod';
import {
  cassandraSecurityEnvShape,
  cassandraSecurityFrom,
  kafkaSecurityEnvShape,
  kafkaSecurityFrom,
  parseEnv,
  pingRegistry,
  registryCaFrom,
  registrySecurityEnvShape,
} from '@userstream/shared';

/** The security settings of the environment (none in plain mode). */
const settings = parseEnv(
  z.object({
    ...kafkaSecurityEnvShape,
    ...registrySecurityEnvShape,
    ...cassandraSecurityEnvShape,
    SCHEMA_REGISTRY_USERNAME: z.string().optional(),
    SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
    CASSANDRA_USERNAME: z.string().optional(),
    CASSANDRA_PASSWORD: z.string().optional(),
  }),
);

const SERVERS = ['kafka', 'registry', 'cassandra'] as const;
type Server = (typeof SERVERS)[number];

function isServer(name: string | undefined): name is Server {
  return SERVERS.some((server) => server === name);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The first line of an error's message and of its cause (fetch hides the real reason there). */
function message(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause =
    error.cause instanceof Error && !error.message.includes(error.cause.message)
      ? ` (${error.cause.message})`
      : '';
  return (`${error.message}${cause}`.split('\n')[0] ?? '').trim();
}

async function probeKafka(host: string, port: number): Promise<string> {
  const kafka = new Kafka({
    clientId: 'stack-probe',
    brokers: [`${host}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    ...kafkaSecurityFrom(settings),
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function probeRegistry(host: string, port: number): Promise<string> {
  const ca = registryCaFrom(settings);
  if (ca !== undefined) {
    // The TLS and basic-auth proxy in front of the registry (secure mode).
    const url = `https://${host}:${port}/apis/ccompat/v7`;
    const { SCHEMA_REGISTRY_USERNAME: username, SCHEMA_REGISTRY_PASSWORD: password } = settings;
    await pingRegistry({ url, ca, username, password }, AbortSignal.timeout(5000));
    return `GET ${url}/subjects over TLS with basic auth -> ok`;
  }
  const url = `http://${host}:${port}/apis/ccompat/v7/subjects`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = await response.text();
  if (response.status !== 200)
    throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 200)}`);
  return `GET /apis/ccompat/v7/subjects -> 200 ${body.slice(0, 80)}`;
}

async function probeCassandra(host: string, port: number): Promise<string> {
  const client = new cassandra.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter: 'datacenter1',
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
    pooling: { warmup: false },
    ...cassandraSecurityFrom(settings),
    ...(settings.CASSANDRA_USERNAME !== undefined && settings.CASSANDRA_PASSWORD !== undefined
      ? {
          authProvider: new cassandra.auth.PlainTextAuthProvider(
            settings.CASSANDRA_USERNAME,
            settings.CASSANDRA_PASSWORD,
          ),
        }
      : {}),
  });
  try {
    await client.connect();
    const result = await client.execute('SELECT release_version, data_center, rack FROM system.local');
    const row = result.first();
    return `Cassandra ${String(row.get('release_version'))}, data center ${String(row.get('data_center'))}, rack ${String(row.get('rack'))}`;
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

const PROBES: Record<Server, (host: string, port: number) => Promise<string>> = {
  kafka: probeKafka,
  registry: probeRegistry,
  cassandra: probeCassandra,
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      timeout: { type: 'string', default: '0' },
      pid: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const server = positionals[0];
  const host = values.host;
  const port = Number(values.port);
  const timeoutSeconds = Number(values.timeout);
  const pid = values.pid === undefined ? undefined : Number(values.pid);
  if (!isServer(server) || !Number.isInteger(port) || !(timeoutSeconds >= 0)) {
    process.stderr.write(
      'usage: probe.ts <kafka|registry|cassandra> [--host H] --port N [--timeout S] [--pid PID] [--quiet]\n',
    );
    return 64;
  }
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastError = 'no attempt made';
  for (;;) {
    if (pid !== undefined && !pidAlive(pid)) {
      process.stderr.write(`${server}: process ${pid} exited (last probe error: ${lastError})\n`);
      return 2;
    }
    try {
      const info = await PROBES[server](host, port);
      if (!values.quiet) process.stdout.write(`${server}: ${info}\n`);
      return 0;
    } catch (error) {
      lastError = message(error);
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  process.stderr.write(`${server}: not ready on ${host}:${port} (last probe error: ${lastError})\n`);
  return 1;
}

// Exit explicitly: a client library's leftover timer must not keep a finished probe alive.
process.exit(await main());
