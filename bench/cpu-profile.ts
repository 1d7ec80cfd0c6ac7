// `node --conditions=source bench/cpu-profile.ts [--profile DIR]`: the process CPU per record of our two
// services alone, without the rest of the bench (docs/performance.md, "Where the CPU goes"). The producer
// runs `--once` CPU_REPS times (2) on CPU_RECORDS users (100,000) from the offline source, its pages
// rendered in advance; CPU_COMPRESSION lists codecs to alternate within each repetition (zstd, the
// default). Then one consumer drains the first run's topic CPU_REPS times, each into a keyspace and group of
// its own (CPU_DRAIN=0: no drain; CPU_BATCH_ROWS=10,20 alternates CONSUMER_WRITE_BATCH_ROWS). With --profile, both services run under `node --cpu-prof` and leave their
// .cpuprofile files in DIR (summarise them with bench/profile-summary.ts; the figures then include the
// profiler's own cost).
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cassandraClient, deleteTopics, killLeftovers, REPO_ROOT } from '../dev/index.ts';
import { cleanup, log, trackedNames, type BenchContext } from './context.ts';
import { drain } from './scenarios/drain.ts';
import { producerRun } from './scenarios/producer.ts';
import { benchSettings } from './settings.ts';
import { prerenderProducerPages, startSource } from './source.ts';
import { stackDownMessage } from './run.ts';

const argv = process.argv.slice(2);
const profileAt = argv.indexOf('--profile');
const profileDir = profileAt >= 0 ? path.resolve(argv[profileAt + 1] ?? 'cpu-profiles') : undefined;
const records = process.env.CPU_RECORDS ?? '100000';
const reps = Number(process.env.CPU_REPS ?? '2');
// The producer's codecs to run, in turn within each repetition (the bench pins the default, zstd).
const codecs = (process.env.CPU_COMPRESSION ?? 'zstd').split(',');
const drains = process.env.CPU_DRAIN !== '0';
// CONSUMER_WRITE_BATCH_ROWS values to alternate within each drain repetition (the consumer's default).
const batchRows = process.env.CPU_BATCH_ROWS?.split(',') ?? [undefined];

const down = await stackDownMessage();
if (down) {
  console.error(down);
  process.exit(1);
}
// Built, as the bench and the image run them.
if (spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' }).status !== 0)
  throw new Error('build failed');
process.env.USERSTREAM_RUN_BUILT = '1';
const settings = benchSettings([], { BENCH_RECORDS: records });
const db = await cassandraClient();
const createdTopics = new Set<string>();
try {
  const context: BenchContext = { settings, db, source: await startSource(settings), createdTopics };
  log(`source: pages rendered in ${(await prerenderProducerPages(context)).toFixed(1)} s`);
  // Set only now, so that the offline source is not profiled.
  if (profileDir) process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
  const first = trackedNames(context, 'bench_cpu');
  for (let rep = 0; rep < reps; rep++) {
    for (const codec of codecs) {
      const names = rep === 0 && codec === codecs[0] ? first : trackedNames(context, 'bench_cpu');
      settings.producerPinned.KAFKA_COMPRESSION = codec;
      const run = await producerRun(context, names);
      log(
        `producer (${codec}): ${run.published} records, ${run.cpuMicrosPerRecord.toFixed(1)} µs CPU/record ` +
          `(${run.cpuMicrosPerRecordAfterStartup.toFixed(1)} after start-up), ${Math.round(run.recordsPerSecond)}/s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`,
      );
    }
  }
  for (let rep = 0; drains && rep < reps; rep++) {
    for (const [i, rows] of batchRows.entries()) {
      const env: Record<string, string> = rows === undefined ? {} : { CONSUMER_WRITE_BATCH_ROWS: rows };
      const run = await drain(context, first, 1, rep * batchRows.length + i, env);
      log(
        `consumer${rows === undefined ? '' : ` (${rows} rows a batch)`}: ${run.cpuMicrosPerRow.toFixed(1)} µs CPU/row (${run.steadyCpuMicrosPerRow.toFixed(1)} from the ` +
          `first row), ${Math.round(run.recordsPerSecond)} rows/s; Cassandra ${run.cassandraCpuMicrosPerRow.toFixed(1)} ` +
          `µs/row, Kafka ${run.kafkaCpuMicrosPerRow.toFixed(1)} µs/row, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`,
      );
    }
  }
} finally {
  await cleanup('stop the services and the offline source', killLeftovers);
  await cleanup('delete the topics', () => deleteTopics(createdTopics));
  await cleanup('close the Cassandra session', () => db.shutdown());
}
