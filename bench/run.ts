// `npm run bench [-- --quick]`: the pipeline's speed against this machine's own ceilings, on the local
// stack (npm run stack:up). Every figure is reported beside the ceiling measured in the same run, on the
// same servers. Results: bench-results/<time>.json and bench-results/latest.md (printed too).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import { applySchema, countRows, createUserEncoder } from '@userstream/shared';
import { toUserRecords } from '../services/producer/src/validate/to-user-record.ts';
import { upsertParams, upsertStatement } from '../services/consumer/src/write/cassandra-sink.ts';
import { loadProducerConfig } from '../services/producer/src/config.ts';
import { loadConsumerConfig } from '../services/consumer/src/config.ts';
import {
  cassandraClient,
  committedToEnd,
  freshNames,
  imageCommand,
  kafkaClient,
  kafkaTool,
  killLeftovers,
  REPO_ROOT,
  stack,
  startService,
  topicSize,
  waitFor,
} from '../test/integration/support.ts';
import {
  histogramBuckets,
  histogramMaxBound,
  histogramQuantile,
  median,
  sampleValue,
  scrape,
  watchPeakRss,
} from './measure.ts';

const quick = process.argv.includes('--quick');
// The quick mode checks that the bench works, in about two minutes: fewer records and sweep points, the same
// repetitions.
const N = Number(process.env.BENCH_RECORDS ?? (quick ? 20_000 : 500_000));
const SINK_ROWS = quick ? 20_000 : 100_000;
// The sink settings swept: rows per request and requests in flight. The quick mode leaves out the two that
// have never been a run's best (one row at 128 requests, ten rows at 16).
const SINK_SWEEP: readonly (readonly [number, number])[] = quick
  ? [
      [1, 256],
      [1, 512],
      [10, 32],
      [10, 64],
      [10, 128],
    ]
  : [
      [1, 128],
      [1, 256],
      [1, 512],
      [10, 16],
      [10, 32],
      [10, 64],
      [10, 128],
    ];
// ProducerPerformance runs its own JVM: on 50,000 records (a few seconds) it measures mostly its warm-up, so
// a quick run's ceiling gets at least 200,000.
const BROKER_RECORDS = Math.max(N, 200_000);
// The ceilings and the producer are timed three times, the median reported; a full drain takes over a minute
// per process count, so only the quick mode repeats the drains.
const REPS = 3;
const DRAIN_REPS = quick ? 3 : 1;
const LATENCY_SECONDS = quick ? 10 : 60;
const LATENCY_RATE = 2_000;
// A steady rate: a run of LATENCY_RATE / 10 users every 100 ms (POST /runs), not one burst a second, whose
// last rows would wait for the whole burst to be drained and measure the drain rate instead of latency.
const LATENCY_TICK_MS = 100;
const LATENCY_RUN_SIZE = (LATENCY_RATE * LATENCY_TICK_MS) / 1_000;
// The producer's page size (its default) and a fixed seed, so the source can render its pages in advance.
const PRODUCER_PAGE_SIZE = 2_000;
const PRODUCER_SEED = 'bench-producer';
const PRODUCER_PAGES = Math.ceil(N / PRODUCER_PAGE_SIZE);
// The services inherit this process's environment: what must match ProducerPerformance's settings is pinned.
const PRODUCER_PINNED = { KAFKA_COMPRESSION: 'gzip' };
const REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

const log = (message: string) => console.log(`[bench] ${message}`);

/** One cleanup step: a failure is logged, not thrown, so the other steps still run and the first error stands. */
async function cleanup(what: string, step: () => unknown): Promise<void> {
  try {
    await step();
  } catch (error) {
    log(`cleanup: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// The services run as they do in the image: built with the same `npm run build`, no type stripping.
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
if (build.status !== 0) throw new Error('build failed');
process.env.USERSTREAM_RUN_BUILT = '1';
const results: Record<string, unknown> = {};
const rows: [string, string, string, string, string][] = [];
const db = await cassandraClient();

// The offline source, as its own process. It keeps every page of the producer runs once rendered: the real
// randomuser.me makes its users on its own servers, so the producer's figure should not pay for faker on
// these two cores (about a quarter of its time when generated live).
const sourcePort = 18_088;
if (PRODUCER_PAGES > 1_000)
  throw new Error('BENCH_RECORDS: at most 2,000,000 (the source keeps 1,000 pages)');
const sourceProcess = spawn(process.execPath, imageCommand('randomuser-source'), {
  cwd: REPO_ROOT,
  env: {
    ...process.env,
    HTTP_PORT: String(sourcePort),
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SOURCE_PAGE_CACHE_SIZE: String(PRODUCER_PAGES),
  },
  stdio: 'inherit',
});
// Whatever ends this process (a failed wait below, an error before the main try) ends the source too.
process.on('exit', () => {
  if (sourceProcess.exitCode === null && sourceProcess.signalCode === null) sourceProcess.kill('SIGKILL');
});
const sourceUrl = `http://127.0.0.1:${sourcePort}/api/1.4/`;
await waitFor('the offline source', async () =>
  (await fetch(`http://127.0.0.1:${sourcePort}/healthz`)).ok ? true : undefined,
);

// Topics the run creates, deleted at the end so repeated runs do not pile up data in the broker.
const createdTopics = new Set<string>();
function track(names: ReturnType<typeof freshNames>) {
  createdTopics.add(names.KAFKA_TOPIC);
  createdTopics.add(names.KAFKA_DLQ_TOPIC);
  return names;
}

async function deleteTopics(): Promise<void> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [...createdTopics].filter((topic) => existing.has(topic));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

const dropKeyspace = (keyspace: string) =>
  cleanup(`drop keyspace ${keyspace}`, () => db.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`));

/** Real user records, as the producer makes them. */
async function sampleRecords(count: number, seed: string) {
  const records = [];
  for (let page = 1; records.length < count; page++) {
    const response = await fetch(`${sourceUrl}?results=5000&seed=${seed}&page=${page}`);
    const { results } = (await response.json()) as { results: unknown[] };
    records.push(...toUserRecords(results, Date.now()).records);
  }
  return records.slice(0, count);
}

/** The users a run of `count` asks for on `page`: the last page asks only for the rest (producer-run.ts). */
const pageResults = (page: number, count: number) =>
  Math.min(PRODUCER_PAGE_SIZE, count - (page - 1) * PRODUCER_PAGE_SIZE);

/** Has the source render (and keep) every page the producer runs will ask for; returns the seconds it took. */
async function prerenderProducerPages(): Promise<number> {
  const started = performance.now();
  for (let page = 1; page <= PRODUCER_PAGES; page++) {
    const response = await fetch(
      `${sourceUrl}?results=${pageResults(page, N)}&seed=${PRODUCER_SEED}&page=${page}`,
    );
    if (!response.ok) throw new Error(`source: page ${page} answered ${response.status}`);
    await response.arrayBuffer();
  }
  return (performance.now() - started) / 1000;
}

const sourceCacheHits = async () =>
  sampleValue(await scrape(sourcePort), 'randomuser_source_page_cache_hits_total');

// 1. Sink ceiling: cassandra-driver alone, the same rows and prepared upsert, no Kafka. Both ways of writing
// are swept (one row per request, and unlogged batches of rows) over several concurrencies; the best wins.
async function sinkCeiling(): Promise<number> {
  const sample = await sampleRecords(SINK_ROWS, 'bench-sink');
  // `count` rows shaped like the sample; past the sample, records repeat with new ids (distinct rows).
  const timedWrites = async (
    keyspace: string,
    rowsPerRequest: number,
    concurrency: number,
    count: number,
  ): Promise<number> => {
    await applySchema(db, { keyspace, table: 'users', replication: REPLICATION });
    const query = upsertStatement(keyspace, 'users');
    const ingestedAt = new Date();
    const records = Array.from({ length: count }, (_, i) =>
      i < sample.length ? sample[i]! : { ...sample[i % sample.length]!, id: randomUUID() },
    );
    const params = records.map((record, i) =>
      upsertParams({ record, partition: 0, offset: String(i) }, ingestedAt),
    );
    const requests: unknown[][][] = [];
    for (let i = 0; i < params.length; i += rowsPerRequest)
      requests.push(params.slice(i, i + rowsPerRequest));
    const started = performance.now();
    if (rowsPerRequest === 1) {
      await cassandra.concurrent.executeConcurrent(db, query, params, {
        concurrencyLevel: concurrency,
        raiseOnFirstError: true,
      });
    } else {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < requests.length) {
            const batch = requests[next++]!;
            await db.batch(
              batch.map((p) => ({ query, params: p })),
              { prepare: true, logged: false },
            );
          }
        }),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const written = await countRows(db, keyspace, 'users');
    if (written !== records.length)
      throw new Error(`sink ceiling: ${written} of ${records.length} rows written`);
    return records.length / seconds;
  };
  // Each attempt in a keyspace of its own, dropped whatever happens.
  const attempt = async (rowsPerRequest: number, concurrency: number, count: number): Promise<number> => {
    const keyspace = freshNames('bench_sink').CASSANDRA_KEYSPACE;
    try {
      return await timedWrites(keyspace, rowsPerRequest, concurrency, count);
    } finally {
      await dropKeyspace(keyspace);
    }
  };
  const label = (rowsPerRequest: number, concurrency: number) =>
    `${rowsPerRequest} row(s)/request, concurrency ${concurrency}`;
  const sweep: Record<string, number> = {};
  // The best setting of each way of writing: which one wins on a short run does not always win on a long one.
  const finalists = new Map<number, { rowsPerRequest: number; concurrency: number; rate: number }>();
  // A first pass warms Cassandra up (JIT, memtables), so the sweep compares like with like.
  await attempt(1, 256, SINK_ROWS);
  for (const [rowsPerRequest, concurrency] of SINK_SWEEP) {
    const rate = await attempt(rowsPerRequest, concurrency, SINK_ROWS);
    sweep[label(rowsPerRequest, concurrency)] = rate;
    if (rate > (finalists.get(rowsPerRequest)?.rate ?? 0))
      finalists.set(rowsPerRequest, { rowsPerRequest, concurrency, rate });
    log(`sink: ${label(rowsPerRequest, concurrency)}: ${fmt(rate)} rows/s`);
  }
  // The ceiling itself writes as many rows as the drain does, so it pays the same memtable flushes and
  // compactions (a short sweep run is ~15-20% faster than a 500,000-row one). Both finalists are timed,
  // alternating so that they share the machine's drift; the better median is the ceiling.
  const reps = new Map<string, number[]>();
  for (let rep = 0; rep < REPS; rep++) {
    for (const { rowsPerRequest, concurrency } of finalists.values()) {
      const key = label(rowsPerRequest, concurrency);
      const rate = await attempt(rowsPerRequest, concurrency, N);
      reps.set(key, [...(reps.get(key) ?? []), rate]);
      log(`sink: ${key}, ${fmt(N)} rows: ${fmt(rate)} rows/s`);
    }
  }
  const medians = [...reps].map(([key, rates]) => ({ key, rate: median(rates) }));
  const { key: bestKey, rate } = medians.reduce((a, b) => (b.rate > a.rate ? b : a));
  results.sinkCeiling = {
    rowsPerSecond: rate,
    best: bestKey,
    sweep,
    sweepRows: SINK_ROWS,
    reps: Object.fromEntries(reps),
    rows: N,
  };
  rows.push([
    'Sink ceiling (cassandra-driver alone)',
    `${fmt(rate)} rows/s`,
    '',
    [
      `${bestKey}; ${fmt(N)} rows, median of ${REPS}`,
      ...medians.filter((m) => m.key !== bestKey).map((m) => `other kind: ${m.key}, median ${fmt(m.rate)}`),
    ].join('; '),
    '',
  ]);
  return rate;
}

// 3. Broker ceiling (Kafka's own ProducerPerformance) and our producer.
async function brokerCeiling(recordSize: number, records: number): Promise<number> {
  const names = track(freshNames('bench_pp'));
  const result = await kafkaTool([
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    names.KAFKA_TOPIC,
    '--num-records',
    String(records),
    '--record-size',
    String(recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${stack.KAFKA_BROKERS}`,
    'acks=all',
    'enable.idempotence=true',
    `compression.type=${PRODUCER_PINNED.KAFKA_COMPRESSION}`,
  ]);
  const match = /(\d+) records sent, ([\d.]+) records\/sec/.exec(
    result.stdout.split('\n').filter(Boolean).pop() ?? '',
  );
  if (result.code !== 0 || !match)
    throw new Error(`ProducerPerformance failed:\n${result.stdout}\n${result.stderr}`);
  return Number(match[2]);
}

async function runProducer(names: ReturnType<typeof freshNames>, count: number) {
  const hitsBefore = await sourceCacheHits();
  const producer = startService(
    'producer',
    {
      ...names,
      ...PRODUCER_PINNED,
      RANDOMUSER_URL: sourceUrl,
      RANDOMUSER_SEED: PRODUCER_SEED,
      PRODUCER_PAGE_SIZE: String(PRODUCER_PAGE_SIZE),
      PRODUCER_BATCH_SIZE: String(count),
      LOG_LEVEL: 'info',
    },
    ['--once'],
  );
  const rss = watchPeakRss(producer.child.pid!);
  const code = await producer.exited;
  const peak = rss.stop();
  if (code !== 0) throw new Error(`producer failed:\n${producer.output().slice(-3_000)}`);
  const summary = /"published":(\d+).*"durationMs":(\d+)/.exec(producer.output());
  if (!summary) throw new Error('no run summary in the producer output');
  // Every page must have come from the source's cache, or the figure would include generating users.
  const hits = (await sourceCacheHits()) - hitsBefore;
  if (hits < Math.ceil(count / PRODUCER_PAGE_SIZE))
    throw new Error(`producer: only ${hits} of its pages were pre-rendered`);
  const [published, seconds] = [Number(summary[1]), Number(summary[2]) / 1000];
  return { published, seconds, recordsPerSecond: published / seconds, peakRssMiB: peak };
}

const writtenBy = async (ports: number[]) => {
  let written = 0;
  for (const port of ports)
    written += sampleValue(await scrape(port), 'userstream_consumer_records_written_total');
  return written;
};

// 2. Consumer drain: N real Avro user messages already in the topic; timed from consumer start until the
// group has committed the topic's end offsets. It commits only after the rows are written, whereas its
// written counter counts the rows rewritten after a rebalance twice and can reach N early.
async function drain(names: ReturnType<typeof freshNames>, processes: number, rep: number) {
  const target = {
    ...names,
    CONSUMER_GROUP_ID: `${names.CONSUMER_GROUP_ID}_${processes}_${rep}`,
    CASSANDRA_KEYSPACE: `${names.CASSANDRA_KEYSPACE}_${processes}_${rep}`,
  };
  const ports = Array.from({ length: processes }, (_, i) => 18_090 + i);
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    // The topic is complete before the drain starts: its end offsets are read once.
    const ends = await admin.fetchTopicOffsets(names.KAFKA_TOPIC);
    const done = () => committedToEnd(admin, target.CONSUMER_GROUP_ID, names.KAFKA_TOPIC, ends);
    await applySchema(db, { keyspace: target.CASSANDRA_KEYSPACE, table: 'users', replication: REPLICATION });
    const started = performance.now();
    const consumers = ports.map((port) =>
      startService('consumer', { ...target, LOG_LEVEL: 'info', HTTP_PORT: String(port) }),
    );
    const watchers = consumers.map((c) => watchPeakRss(c.child.pid!));
    // Also timed from the first written row, to show the steady rate apart from start-up and group join.
    let firstRowAt: number | undefined;
    let firstRowCount = 0;
    // Every 250 ms until the counter is near N; from there every 50 ms, so the finish is seen within ~0.1 s.
    await waitFor(
      `${processes} consumer(s) to write 90% of ${N} rows`,
      async () => {
        const written = await writtenBy(ports);
        if (firstRowAt === undefined && written > 0) {
          firstRowAt = performance.now();
          firstRowCount = written;
        }
        return written >= 0.9 * N || (await done()) ? true : undefined;
      },
      1_800_000,
    );
    await waitFor(
      `${target.CONSUMER_GROUP_ID} to commit the end of ${names.KAFKA_TOPIC}`,
      async () => ((await done()) ? true : undefined),
      1_800_000,
      50,
    );
    const finished = performance.now();
    const seconds = (finished - started) / 1000;
    // All at once, as `docker compose stop` does; the time a graceful stop takes is recorded too.
    const codes = await Promise.all(consumers.map((c) => c.stop()));
    const stopSeconds = (performance.now() - finished) / 1000;
    codes.forEach((code, i) => {
      if (code !== 0) throw new Error(`consumer exited ${code}:\n${consumers[i]!.output().slice(-3_000)}`);
    });
    const peak = Math.max(...watchers.map((w) => w.stop()));
    const count = await countRows(db, target.CASSANDRA_KEYSPACE, 'users');
    if (count !== N) throw new Error(`drain: expected ${N} rows, found ${count}`);
    const steadySeconds = (finished - (firstRowAt ?? started)) / 1000;
    return {
      recordsPerSecond: N / seconds,
      seconds,
      steadyRecordsPerSecond: (N - firstRowCount) / steadySeconds,
      startupSeconds: ((firstRowAt ?? started) - started) / 1000,
      stopSeconds,
      peakRssMiB: peak,
    };
  } finally {
    // After a failure the consumers may still be writing: stopped before their keyspace goes.
    await cleanup('stop the consumers', killLeftovers);
    await cleanup('disconnect the admin client', () => admin.disconnect());
    await dropKeyspace(target.CASSANDRA_KEYSPACE);
  }
}

type DrainRun = Awaited<ReturnType<typeof drain>>;

/** The medians of a drain's repetitions (the highest peak RSS), with every repetition kept. */
function drainSummary(runs: DrainRun[]) {
  const mid = (pick: (run: DrainRun) => number) => median(runs.map(pick));
  return {
    recordsPerSecond: mid((r) => r.recordsPerSecond),
    seconds: mid((r) => r.seconds),
    steadyRecordsPerSecond: mid((r) => r.steadyRecordsPerSecond),
    startupSeconds: mid((r) => r.startupSeconds),
    stopSeconds: mid((r) => r.stopSeconds),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    reps: runs,
  };
}

/** What the consumer has done with its records: written, or dead-lettered (which is never written). */
async function consumerHandled(port: number): Promise<{ samples: Map<string, number>; handled: number }> {
  const samples = await scrape(port);
  const handled =
    sampleValue(samples, 'userstream_consumer_records_written_total') +
    sampleValue(samples, 'userstream_consumer_records_dead_lettered_total');
  return { samples, handled };
}

// 4. End-to-end latency at a steady rate: the producer is asked for a run of LATENCY_RUN_SIZE users every
// LATENCY_TICK_MS (its schedule never fires during the bench); a tick that finds a run still going is
// refused (409) and shows in the offered rate.
async function latency() {
  const names = track(freshNames('bench_lat'));
  let ticker: NodeJS.Timeout | undefined;
  try {
    const consumer = startService('consumer', { ...names, LOG_LEVEL: 'info', HTTP_PORT: '18095' });
    await consumer.waitForOutput(/"msg":"consuming"/);
    const consumerRss = watchPeakRss(consumer.child.pid!);
    const producer = startService('producer', {
      ...names,
      ...PRODUCER_PINNED,
      RANDOMUSER_URL: sourceUrl,
      PRODUCER_BATCH_SIZE: String(LATENCY_RUN_SIZE),
      PRODUCER_PAGE_SIZE: String(LATENCY_RUN_SIZE),
      PRODUCER_SCHEDULE: '0 0 1 1 *',
      PRODUCER_RUN_ON_START: 'false',
      LOG_LEVEL: 'info',
      HTTP_PORT: '18096',
    });
    const producerRss = watchPeakRss(producer.child.pid!);
    await waitFor('the producer to be ready', async () =>
      (await fetch('http://127.0.0.1:18096/readyz')).ok ? true : undefined,
    );
    const ticks = { started: 0, refused: 0 };
    ticker = setInterval(() => {
      fetch('http://127.0.0.1:18096/runs', { method: 'POST' })
        .then(async (answer) => {
          if (answer.status === 202) ticks.started++;
          else ticks.refused++;
          await answer.body?.cancel();
        })
        .catch(() => ticks.refused++);
    }, LATENCY_TICK_MS);
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // warm-up, not measured
    const ticksBefore = { ...ticks };
    const before = await scrape(18_095);
    const publishedBefore = sampleValue(await scrape(18_096), 'userstream_producer_records_published_total');
    await new Promise((resolve) => setTimeout(resolve, LATENCY_SECONDS * 1_000));
    const publishedAfter = sampleValue(await scrape(18_096), 'userstream_producer_records_published_total');
    const refused = ticks.refused - ticksBefore.refused;
    const started = ticks.started - ticksBefore.started;
    clearInterval(ticker);
    await producer.stop();
    // The last scrape waits (bounded) for every published record, else the rows the consumer is behind
    // on, the slowest, would be missing from p99 and max exactly when it falls behind. The topic is this
    // scenario's own, so its size is everything the producer published.
    const published = await topicSize(names.KAFKA_TOPIC);
    const waitStarted = performance.now();
    await waitFor(
      `the consumer to handle all ${published} records`,
      async () => ((await consumerHandled(18_095)).handled >= published ? true : undefined),
      60_000,
      50,
    ).catch((error: unknown) => log(`latency: ${error instanceof Error ? error.message : String(error)}`));
    const tailWaitSeconds = (performance.now() - waitStarted) / 1000;
    const { samples: after, handled } = await consumerHandled(18_095);
    await consumer.stop();
    const name = 'userstream_consumer_produce_to_write_seconds';
    const [b, a] = [histogramBuckets(before, name), histogramBuckets(after, name)];
    return {
      offeredRate: (publishedAfter - publishedBefore) / LATENCY_SECONDS,
      runsStarted: started,
      runsRefused: refused,
      p50: histogramQuantile(0.5, b, a) * 1000,
      p95: histogramQuantile(0.95, b, a) * 1000,
      p99: histogramQuantile(0.99, b, a) * 1000,
      maxBound: histogramMaxBound(b, a) * 1000,
      samples: sampleValue(after, `${name}_count`) - sampleValue(before, `${name}_count`),
      published,
      tailWaitSeconds,
      // Records published but not yet written when the histogram was read (0 unless the wait timed out).
      unwrittenAtLastScrape: Math.max(0, published - handled),
      producerPeakRssMiB: producerRss.stop(),
      consumerPeakRssMiB: consumerRss.stop(),
    };
  } finally {
    clearInterval(ticker);
    await cleanup('stop the latency services', killLeftovers);
    await dropKeyspace(names.CASSANDRA_KEYSPACE);
  }
}

/** met/missed against a target; a quick run's figures are too short to judge, so it says so instead. */
function verdict(met: boolean): string {
  if (quick) return 'not judged (quick)';
  return met ? 'met' : 'missed';
}

function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

const firstLine = (text: string) => text.split('\n')[0] ?? '';

/**
 * The Java the Kafka broker runs on (scripts/stack.sh starts the servers with the Java 17 it finds, whatever
 * `java` is on PATH), from its pid file; PATH's `java` when there is no running stack broker.
 */
function javaVersion(): { java: string; javaOf: string } {
  const stackHome = path.resolve(process.env.STACK_HOME ?? path.join(REPO_ROOT, '.stack'));
  try {
    const pid = readFileSync(path.join(stackHome, 'run', 'kafka.pid'), 'utf8').trim();
    // A stale pid file may name another process: only the stack's broker counts.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (cmdline.includes('-Dstack.server=kafka')) {
      const result = spawnSync(`/proc/${pid}/exe`, ['-version'], { encoding: 'utf8' });
      const java = result.error ? '' : firstLine(result.stderr);
      if (java) return { java, javaOf: `the Kafka broker (pid ${pid})` };
    }
  } catch {
    // no pid file or no such process: not the stack's broker
  }
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return { java: result.error ? '' : firstLine(result.stderr), javaOf: 'java on PATH' };
}

function machine() {
  const kafkaVersion =
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
    kafka: kafkaVersion,
  };
}

/** The settings the services run with, parsed as they parse them: the environment may change them. */
function pipelineSettings() {
  const env = { ...process.env, ...stack };
  const producer = loadProducerConfig({
    ...env,
    ...PRODUCER_PINNED,
    PRODUCER_PAGE_SIZE: String(PRODUCER_PAGE_SIZE),
  });
  const consumer = loadConsumerConfig(env);
  return {
    compression: producer.KAFKA_COMPRESSION,
    sendChunk: producer.KAFKA_SEND_CHUNK,
    pageSize: producer.PRODUCER_PAGE_SIZE,
    latencyPageSize: LATENCY_RUN_SIZE,
    topicPartitions: producer.KAFKA_TOPIC_PARTITIONS,
    // The bench sets its own group per run; every other CONSUMER_* setting comes from the environment or its default.
    consumer: Object.fromEntries(
      Object.entries(consumer).filter(([key]) => key.startsWith('CONSUMER_') && key !== 'CONSUMER_GROUP_ID'),
    ),
    consumerSetInEnvironment: Object.keys(process.env)
      .filter((key) => key.startsWith('CONSUMER_'))
      .sort(),
  };
}

try {
  const started = Date.now();
  results.machine = machine();
  results.cassandra = String(
    (await db.execute('SELECT release_version FROM system.local')).first().get('release_version'),
  );
  results.mode = quick ? 'quick' : 'full';
  results.records = N;
  results.pipeline = pipelineSettings();
  log(`mode ${quick ? 'quick' : 'full'}: ${N} records; machine ${JSON.stringify(results.machine)}`);
  log(`pipeline settings ${JSON.stringify(results.pipeline)}`);

  const sink = await sinkCeiling();

  const sample = await sampleRecords(1_000, 'bench-size');
  const encode = createUserEncoder(1);
  const recordSize = Math.round(
    sample.reduce((sum, r) => sum + encode(r).length + r.id.length, 0) / sample.length,
  );
  const brokerReps = [];
  // One at a time: concurrent runs would share the broker and measure each other.
  for (let rep = 0; rep < REPS; rep++) {
    brokerReps.push(await brokerCeiling(recordSize, BROKER_RECORDS));
    log(`broker ceiling: ${fmt(brokerReps[rep]!)} records/s`);
  }
  const broker = median(brokerReps);
  log(`broker ceiling (ProducerPerformance, ${recordSize} B records): median ${fmt(broker)} records/s`);

  const prerenderSeconds = await prerenderProducerPages();
  log(`source: ${PRODUCER_PAGES} pages of the producer runs rendered in ${prerenderSeconds.toFixed(1)} s`);
  const producerRuns = [];
  let drainNames: ReturnType<typeof freshNames> | undefined;
  for (let rep = 0; rep < REPS; rep++) {
    const names = track(freshNames('bench_drain'));
    drainNames ??= names;
    const run = await runProducer(names, N);
    log(`producer: ${fmt(run.recordsPerSecond)} records/s (${run.seconds.toFixed(1)} s)`);
    producerRuns.push(run);
  }
  const producerRate = median(producerRuns.map((r) => r.recordsPerSecond));
  results.broker = { recordsPerSecond: broker, recordSize, reps: brokerReps };
  results.producer = {
    recordsPerSecond: producerRate,
    runs: producerRuns,
    sourcePagesPrerendered: PRODUCER_PAGES,
    prerenderSeconds,
  };
  rows.push([
    `Broker ceiling (ProducerPerformance, acks=all, ${PRODUCER_PINNED.KAFKA_COMPRESSION})`,
    `${fmt(broker)} rec/s`,
    '',
    `${recordSize} B records, ${fmt(BROKER_RECORDS)} per run; median of ${REPS}`,
    '',
  ]);
  rows.push([
    `Producer (fetch, validate, Avro, publish; source pages pre-rendered; median of ${REPS})`,
    `${fmt(producerRate)} rec/s`,
    (producerRate / broker).toFixed(2),
    '>= 0.5 of broker',
    verdict(producerRate / broker >= 0.5),
  ]);

  // 1 and 2 processes alternate, so that their repetitions share the machine's drift.
  const drainRuns: { one: DrainRun[]; two: DrainRun[] } = { one: [], two: [] };
  for (let rep = 0; rep < DRAIN_REPS; rep++) {
    drainRuns.one.push(await drain(drainNames!, 1, rep));
    log(`drain, 1 consumer: ${fmt(drainRuns.one[rep]!.recordsPerSecond)} records/s`);
    drainRuns.two.push(await drain(drainNames!, 2, rep));
    log(`drain, 2 consumers: ${fmt(drainRuns.two[rep]!.recordsPerSecond)} records/s`);
  }
  const [drain1, drain2] = [drainSummary(drainRuns.one), drainSummary(drainRuns.two)];
  results.drain = { one: drain1, two: drain2 };
  const drainNote = DRAIN_REPS > 1 ? `median of ${DRAIN_REPS}` : 'one run';
  for (const [label, d] of [
    ['1 process', drain1],
    ['2 processes', drain2],
  ] as const) {
    rows.push([
      `Consumer drain, ${label} (from process start; ${drainNote})`,
      `${fmt(d.recordsPerSecond)} rec/s`,
      (d.recordsPerSecond / sink).toFixed(2),
      '>= 0.85 of sink',
      verdict(d.recordsPerSecond / sink >= 0.85),
    ]);
    rows.push([
      `Consumer drain, ${label} (from the first row; start-up ${d.startupSeconds.toFixed(1)} s, graceful stop ${d.stopSeconds.toFixed(1)} s)`,
      `${fmt(d.steadyRecordsPerSecond)} rec/s`,
      (d.steadyRecordsPerSecond / sink).toFixed(2),
      '',
      '',
    ]);
  }

  const lat = await latency();
  log(`latency at ${fmt(lat.offeredRate)} rec/s: p50 ${lat.p50.toFixed(0)} ms, p99 ${lat.p99.toFixed(0)} ms`);
  results.latency = lat;
  // Rows not yet written when the histogram was read are missing from p99 and max: the table says so.
  const unwritten =
    lat.unwrittenAtLastScrape > 0 ? `; ${fmt(lat.unwrittenAtLastScrape)} rows not written yet` : '';
  rows.push([
    `Produce→row latency at ${fmt(lat.offeredRate)} rec/s steady (${LATENCY_RUN_SIZE} every ${LATENCY_TICK_MS} ms; ${lat.runsRefused} of ${lat.runsStarted + lat.runsRefused} runs refused), ${LATENCY_SECONDS} s`,
    // The histogram gives the max only as the bound of its highest non-empty bucket.
    `p50 ${lat.p50.toFixed(0)} / p95 ${lat.p95.toFixed(0)} / p99 ${lat.p99.toFixed(0)} ms, max <= ${lat.maxBound} ms${unwritten}`,
    '',
    'p99 <= 250 ms',
    // Refused ticks offer no load exactly when latency rises: a p99 at much less than the rate says nothing.
    !quick && lat.offeredRate < 0.95 * LATENCY_RATE ? 'missed (rate not offered)' : verdict(lat.p99 <= 250),
  ]);

  const producerPeak = Math.max(lat.producerPeakRssMiB, ...producerRuns.map((r) => r.peakRssMiB));
  const consumerPeak = Math.max(lat.consumerPeakRssMiB, drain1.peakRssMiB, drain2.peakRssMiB);
  results.memory = { producerPeakRssMiB: producerPeak, consumerPeakRssMiB: consumerPeak };
  rows.push([
    'Peak RSS, producer',
    `${producerPeak.toFixed(0)} MiB`,
    '',
    '<= 200 MB',
    verdict(producerPeak * 1.048576 <= 200),
  ]);
  rows.push([
    'Peak RSS, consumer',
    `${consumerPeak.toFixed(0)} MiB`,
    '',
    '<= 200 MB',
    verdict(consumerPeak * 1.048576 <= 200),
  ]);
  results.durationSeconds = Math.round((Date.now() - started) / 1000);

  const m = results.machine as ReturnType<typeof machine>;
  const table = [
    `Benchmark (${quick ? 'quick' : 'full'}, ${fmt(N)} records) on ${m.cpus}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.java}, Kafka ${m.kafka ?? '?'}, Cassandra ${String(results.cassandra)}; ${new Date().toISOString()}`,
    '',
    '| Scenario | Result | Ratio to ceiling | Target | |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    DRAIN_REPS > 1
      ? `Ceilings, producer and drains: medians of ${REPS} runs.`
      : `Ceilings and producer: medians of ${REPS} runs; the drains are one run each (over a minute per run at this size).`,
  ].join('\n');
  mkdirSync(`${REPO_ROOT}/bench-results`, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(`${REPO_ROOT}/bench-results/${stamp}.json`, JSON.stringify(results, null, 2));
  writeFileSync(`${REPO_ROOT}/bench-results/latest.json`, JSON.stringify(results, null, 2));
  writeFileSync(`${REPO_ROOT}/bench-results/latest.md`, `${table}\n`);
  console.log(`\n${table}\n\nwritten to bench-results/${stamp}.json and bench-results/latest.md`);
} finally {
  // Each step on its own: one that fails (say, Cassandra gone) must not leave the topics or the source behind.
  await cleanup('stop the services', killLeftovers);
  await cleanup('stop the offline source', () => sourceProcess.kill('SIGTERM'));
  await cleanup('delete the topics', deleteTopics);
  await cleanup('close the Cassandra session', () => db.shutdown());
}
