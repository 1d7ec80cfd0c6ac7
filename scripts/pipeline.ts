// `npm run pipeline`: the whole pipeline on this machine without Docker. Starts the local stack if needed,
// the offline randomuser source (unless RANDOMUSER_URL is set), the consumer and the producer; prints where
// to look; Ctrl-C stops what it started. `-- --once` runs one producer batch, waits until every record is
// a row (or dead-lettered), prints a summary and exits. Without --once the status page starts too.
// Ports: PRODUCER_HTTP_PORT (8080), CONSUMER_HTTP_PORT (8090), SOURCE_HTTP_PORT (8088), STATUS_HTTP_PORT
// (8070).
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { prettyFactory } from 'pino-pretty';
import { maskSettingValue } from '@userstream/shared/observability';
import { countRows } from '@userstream/shared/cassandra';
import {
  cassandraClient,
  consumerProgress,
  REPO_ROOT,
  sampleValue,
  scrape,
  stackEnv,
  startService,
  type ServiceName,
  type ServiceProcess,
} from '../dev/index.ts';

const once = process.argv.includes('--once');
const children: { name: ServiceName; service: ServiceProcess }[] = [];

/** True once the terminal hung up (SIGHUP): nothing more is written to it. */
let hungUp = false;

/**
 * A service's JSON log line as the terminal shows it: one readable line (pino-pretty, named for its service)
 * when stdout is a terminal, else the JSON as it is, for tools to read.
 */
const show: (line: string) => string = process.stdout.isTTY
  ? prettyFactory({
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name,service',
      messageFormat: '{service}: {msg}',
      singleLine: true,
    })
  : (line) => `${line}\n`;

function start(name: ServiceName, env: Record<string, string>, args: string[] = []): ServiceProcess {
  // Its own process group: Ctrl-C reaches only this script, which sends each child one SIGTERM. A second
  // signal (the terminal's and ours) would make a service exit at once, without finishing its work. Its
  // output is kept (the producer's run summary) and shown line by line as it comes.
  const service = startService(name, env, args, { detached: true });
  createInterface({ input: service.child.stdout!, crlfDelay: Infinity }).on('line', (line) => {
    if (!hungUp) process.stdout.write(show(line));
  });
  service.child.stderr!.on('data', (chunk: Buffer) => {
    if (!hungUp) process.stderr.write(chunk);
  });
  children.push({ name, service });
  service.child.on('exit', (code, signal) => {
    if (!stopping) console.error(`[pipeline] ${name} exited (${code ?? signal})`);
  });
  return service;
}

let stopping = false;
async function stopAll(code: number): Promise<never> {
  // A second Ctrl-C while stopping waits for the same graceful stop.
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  for (const { service } of [...children].reverse()) await service.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// The terminal closed: the children (in sessions of their own) would never hear of it, and keep their ports.
// Their output is still read (a full pipe would block them) but no longer written to the gone terminal,
// whose write errors would otherwise kill this script before the children finish.
process.on('SIGHUP', () => {
  hungUp = true;
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  void stopAll(1);
});
// The children have their own process groups: if this script dies some other way, they must not outlive it.
process.on('exit', () => {
  for (const { service } of children) {
    const { child } = service;
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
});

/** A service's metric samples; none while nothing listens yet (the consumer is still starting). */
const samplesOf = (port: number): Promise<Map<string, number>> => scrape(port).catch(() => new Map());

console.log('[pipeline] starting the local stack (npm run stack:up) ...');
const up = spawnSync('bash', ['scripts/stack.sh', 'up'], { cwd: REPO_ROOT, stdio: 'inherit' });
if (up.status !== 0) process.exit(up.status ?? 1);

const producerPort = Number(process.env.PRODUCER_HTTP_PORT ?? 8080);
const consumerPort = Number(process.env.CONSUMER_HTTP_PORT ?? 8090);
const sourcePort = Number(process.env.SOURCE_HTTP_PORT ?? 8088);
const statusPort = Number(process.env.STATUS_HTTP_PORT ?? 8070);
const env = { ...stackEnv(), ...process.env } as Record<string, string>;
if (!process.env.RANDOMUSER_URL) {
  start('randomuser-source', { ...env, HTTP_PORT: String(sourcePort) });
  env.RANDOMUSER_URL = `http://127.0.0.1:${sourcePort}/api/1.4/`;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
const consumer = start('consumer', { ...env, HTTP_PORT: String(consumerPort) });
const startedAt = Date.now();
const producer = start('producer', { ...env, HTTP_PORT: String(producerPort) }, once ? ['--once'] : []);
// The page needs the producer's HTTP server, which --once does not start.
if (!once) {
  start('status', {
    ...env,
    HTTP_PORT: String(statusPort),
    STATUS_PRODUCER_URL: `http://127.0.0.1:${producerPort}`,
    STATUS_CONSUMER_URLS: `http://127.0.0.1:${consumerPort}`,
  });
}

console.log(`
[pipeline] running. Where to look:${once ? '' : `\n  status page        http://127.0.0.1:${statusPort}/`}
  producer metrics   http://127.0.0.1:${producerPort}/metrics   (POST http://127.0.0.1:${producerPort}/runs starts a run now)
  consumer metrics   http://127.0.0.1:${consumerPort}/metrics
  source             ${maskSettingValue(env.RANDOMUSER_URL!)}
  rows               SELECT COUNT(*) FROM ${env.CASSANDRA_KEYSPACE ?? 'userstream'}.${env.CASSANDRA_TABLE ?? 'users'}
  Ctrl-C stops everything this command started (the stack keeps running: npm run stack:down).
`);

if (once) {
  // Resolves once the producer's last output has been read.
  const code = await producer.exited;
  if (code !== 0) await stopAll(typeof code === 'number' ? code : 1);
  const client = await cassandraClient({
    CASSANDRA_CONTACT_POINTS: env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042',
    CASSANDRA_LOCAL_DC: env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
  });
  // Wait for what the producer published, not the batch size: results it refused go to the dead-letter topic.
  const summary = /"published":(\d+)[^\n]*"msg":"run finished"/.exec(producer.output());
  const expected = Number(summary?.[1] ?? env.PRODUCER_BATCH_SIZE ?? 1000);
  if (!summary) {
    console.error(
      `[pipeline] no run summary from the producer (LOG_LEVEL above info?): waiting for ${expected} records`,
    );
  }
  for (;;) {
    if (consumer.child.exitCode !== null || consumer.child.signalCode !== null) {
      console.error('[pipeline] the consumer exited before every record was written');
      await client.shutdown();
      await stopAll(1);
    }
    const { written, deadLettered: dead, handled } = consumerProgress(await samplesOf(consumerPort));
    if (handled >= expected) {
      const rows = await countRows(
        client,
        env.CASSANDRA_KEYSPACE ?? 'userstream',
        env.CASSANDRA_TABLE ?? 'users',
      );
      console.log(
        `[pipeline] done: ${expected} users published in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ` +
          `written ${written}, dead-lettered ${dead}, rows in the table ${rows}`,
      );
      await client.shutdown();
      await stopAll(0);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
} else {
  setInterval(() => {
    void (async () => {
      const published = sampleValue(
        await samplesOf(producerPort),
        'userstream_producer_records_published_total',
      );
      const { written, deadLettered: dead } = consumerProgress(await samplesOf(consumerPort));
      console.log(`[pipeline] published ${published}, written ${written}, dead-lettered ${dead}`);
    })();
  }, 10_000).unref();
}
